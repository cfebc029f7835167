"""Build, tune and evaluate the explainer index: `python train.py [--corpus PATH] [--out DIR] [--json]`."""

import sys

from bot.cli import train_main

if __name__ == "__main__":
    sys.exit(train_main())
