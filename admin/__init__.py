"""The moderators' web app and the `qualifiers` command-line tool."""
