// The sample host page's own script: the widget must leave it working.
document.addEventListener("DOMContentLoaded", function () {
  var share = document.getElementById("share");
  var status = document.getElementById("share-status");
  var count = 0;
  share.addEventListener("click", function () {
    count += 1;
    status.textContent = "Shared " + count + (count === 1 ? " time" : " times");
    document.body.setAttribute("data-shared", String(count));
  });
});
