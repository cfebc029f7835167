/* The editor console's Glossary pane: the corpus's groups of names (each with its aliases, which an editor
 * adds and removes), new groups, the read-only names of the explainer files and of the bot, and who
 * changed what. Uses editor.js's helpers; every name goes in as text, never as HTML.
 */
(function () {
  "use strict";

  var ui = window.editorConsole;
  var tab = document.getElementById("tab-glossary");
  if (!ui || !tab) return;
  var el = ui.el, append = ui.append, clear = ui.clear;
  var message = document.getElementById("glossary-message");
  var loaded = false;

  function tell(text, kind) {
    message.textContent = text;
    message.className = "glossary-message" + (kind ? " notice notice--" + kind : "");
  }

  function names(list) {
    return (list || []).map(function (name) { return ui.readerText(name); });
  }

  // A group as chips of its other names; `editable` adds the remove buttons and the add-alias form.
  function groupRow(group, editable) {
    var li = el("li", "glossary-group");
    li.setAttribute("data-group", group.name);
    var head = el("div", "glossary-group-head");
    append(head, append(el("span", "glossary-name"), ui.readerText(group.name)),
           group.explainer_id ? el("span", "hint", "in " + group.explainer_id) : null);
    li.appendChild(head);
    var chips = el("div", "glossary-aliases");
    if (!group.aliases.length) chips.appendChild(el("span", "muted", "no other names yet"));
    group.aliases.forEach(function (alias) {
      var chip = append(el("span", "tag tag--term glossary-alias"), ui.readerText(alias));
      if (editable) {
        var remove = el("button", "glossary-remove", "×");
        remove.type = "button";
        remove.setAttribute("aria-label", "Remove “" + ui.isolated(alias) + "” from “" + ui.isolated(group.name) + "”");
        remove.addEventListener("click", function () {
          change(remove, "DELETE", "glossary/aliases?name=" + encodeURIComponent(group.name) +
                 "&alias=" + encodeURIComponent(alias), undefined, "Removed “" + alias + "” from “" + group.name + "”.",
                 group.name);
        });
        chip.appendChild(remove);
      }
      chips.appendChild(chip);
    });
    li.appendChild(chips);
    if (!editable) return li;

    var form = el("form", "glossary-alias-form");
    var input = el("input");
    input.type = "text";
    input.maxLength = 100;
    input.autocomplete = "off";
    input.setAttribute("aria-label", "Another name for “" + ui.isolated(group.name) + "”");
    input.placeholder = "another name";
    var add = el("button", "button", "Add alias");
    add.type = "submit";
    var drop = el("button", "button button--danger", "Delete group");
    drop.type = "button";
    drop.setAttribute("aria-label", "Delete the group “" + ui.isolated(group.name) + "”");
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (!input.value.trim()) { tell("Type the other name first.", "error"); input.focus(); return; }
      change(add, "POST", "glossary/aliases", { name: group.name, alias: input.value },
             "Added “" + input.value.trim() + "” to “" + group.name + "”.", group.name);
    });
    drop.addEventListener("click", function () {
      // One click next to "Add alias" removed the group and every alias at once, with no way back but
      // typing them again: the editor confirms, seeing what goes.
      var what = group.aliases.length ? " and its " + group.aliases.length + " other name" +
        (group.aliases.length > 1 ? "s" : "") + " (" + group.aliases.join(", ") + ")" : "";
      if (!window.confirm("Delete the group “" + group.name + "”" + what + "? There is no undo: to get it back, " +
                          "add it again.")) return;
      change(drop, "DELETE", "glossary/groups?name=" + encodeURIComponent(group.name), undefined,
             "Deleted the group “" + group.name + "”" + (group.aliases.length ? " (" + group.aliases.join(", ") + ")" : "") + ".",
             group.name);
    });
    append(form, input, add, drop);
    li.appendChild(form);
    return li;
  }

  function groupList(container, groups, editable, empty) {
    clear(container);
    if (!groups.length) { container.appendChild(el("p", "muted", empty)); return; }
    var list = el("ul", "glossary-groups");
    groups.forEach(function (group) { list.appendChild(groupRow(group, editable)); });
    container.appendChild(list);
  }

  var WORDS = { add_group: "added the group", add_alias: "added", remove_alias: "removed", delete_group: "deleted the group" };

  function changeList(changes) {
    var box = clear(document.getElementById("glossary-changes"));
    if (!changes.length) { box.appendChild(el("p", "muted", "No changes from the console yet.")); return; }
    var table = el("table", "table");
    var head = el("tr");
    ["When", "Who", "Change"].forEach(function (h) { head.appendChild(el("th", null, h)); });
    append(table, append(el("thead"), head));
    var body = el("tbody");
    changes.forEach(function (c) {
      var what = el("td");
      var aliases = names(c.aliases);
      if (c.change === "add_alias" || c.change === "remove_alias") {
        append(what, document.createTextNode(WORDS[c.change] + " “"), aliases[0],
               document.createTextNode(c.change === "add_alias" ? "” to “" : "” from “"), ui.readerText(c.name),
               document.createTextNode("”"));
      } else {
        append(what, document.createTextNode(WORDS[c.change] + " “"), ui.readerText(c.name), document.createTextNode("”"));
        if (aliases.length) {
          what.appendChild(document.createTextNode(" ("));
          aliases.forEach(function (node, i) {
            if (i) what.appendChild(document.createTextNode(", "));
            what.appendChild(node);
          });
          what.appendChild(document.createTextNode(")"));
        }
      }
      append(body, append(el("tr"), el("td", null, c.created_at), el("td", null, c.editor), what));
    });
    table.appendChild(body);
    box.appendChild(append(el("div", "table-wrap"), table));
  }

  function load() {
    loaded = true;
    return ui.api("GET", "glossary").then(function (data) {
      groupList(document.getElementById("glossary-groups"), data.groups, true,
                "The corpus has no glossary of its own yet: add a group above.");
      groupList(document.getElementById("glossary-entities"), data.entities, false,
                "No explainer gives other names for its entities.");
      groupList(document.getElementById("glossary-built-in"), data.built_in, false, "None.");
      changeList(data.changes);
    }).catch(function (error) { ui.errorBox(document.getElementById("glossary-groups"), error); });
  }

  // The focus after a change to the group `name`: the pane is drawn again, and the button pressed with it, so
  // a keyboard user would be sent back to the top of the page. It goes to the group's field for another name,
  // or, the group gone, to the field for a new group's name.
  function refocus(name) {
    var rows = document.querySelectorAll("#glossary-groups li[data-group]");
    var row = Array.prototype.filter.call(rows, function (li) { return li.getAttribute("data-group") === name; })[0];
    (row ? row.querySelector("input") : document.getElementById("glossary-name")).focus();
  }

  // One change, then the pane read again; the server's refusal is shown as it said it. `name`: the group changed.
  function change(button, method, path, body, done, name) {
    ui.busy(button, true, "Saving…");
    return ui.api(method, path, body).then(function (data) {
      tell(done + " " + data.note, "good");
      return load().then(function () { if (name !== undefined) refocus(name); });
    }).catch(function (error) {
      ui.busy(button, false);
      tell(error.message, "error");
    });
  }

  document.getElementById("glossary-add").addEventListener("submit", function (event) {
    event.preventDefault();
    var name = document.getElementById("glossary-name");
    var aliases = document.getElementById("glossary-aliases");
    if (!name.value.trim()) { tell("Type the name the passages use first.", "error"); name.focus(); return; }
    var list = aliases.value.split(",").map(function (s) { return s.trim(); }).filter(function (s) { return s; });
    var button = event.target.querySelector("button[type=submit]");
    change(button, "POST", "glossary/groups", { name: name.value, aliases: list }, "Added the group “" + name.value.trim() + "”.")
      .then(function () {
        ui.busy(button, false);
        if (message.className.indexOf("error") < 0) { name.value = ""; aliases.value = ""; }
      });
  });

  tab.addEventListener("tab-shown", function () { if (!loaded) load(); });
})();
