"""`python -m asynclint` is the `asynclint` command."""

from asynclint.cli import main

if __name__ == "__main__":
    main()
