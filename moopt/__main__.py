"""Run the moopt command line: ``python -m moopt --help`` lists the commands."""

from moopt._cli import main

if __name__ == "__main__":
    raise SystemExit(main())
