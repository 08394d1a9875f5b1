"""Click commands beyond lint and rules, one module each; cli.py adds them to the group."""
