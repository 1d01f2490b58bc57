found = {}
for name in ("hidden_file", "other_submission"):
    try:
        with open(TARGETS[name]) as handle:
            found[name] = handle.read()
    except OSError:
        found[name] = None

# Walk the whole visible tree looking for the ground-truth file by name.
# (Huge system and package trees are pruned only to keep the test fast.)
PRUNE = {"proc", "sys", "dev", "usr", "site-packages", ".pyenv", ".venv", "node_modules", ".git"}
walked = []
for dirpath, dirnames, filenames in os.walk("/"):
    dirnames[:] = [d for d in dirnames if d not in PRUNE]
    walked += [os.path.join(dirpath, f) for f in filenames if TARGETS["token"] in f]
report(found=found, walked=walked)
