"""The exit codes of airspace-risk, the same for every command (README, `--help`)."""

OK = 0
# Input refused (a layer file, a route, a flight), or a thing asked for is missing.
REFUSED = 1
# A flag or argument the command cannot use (as the shell's own usage errors).
USAGE = 2
# The database cannot be reached or used.
DATABASE = 3
# A batch ran to the end, but some of its flights were refused (each says why).
SOME_REFUSED = 4

EPILOG = (
    "Exit codes: 0 done; 1 input refused or not found; 2 a flag or argument cannot be used; "
    "3 the database cannot be used; 4 a batch ran but some flights were refused."
)
