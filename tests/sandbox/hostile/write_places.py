places = {
    "code": os.path.join(os.getcwd(), "planted.py"),
    "root": f"/lb-escape-{TARGETS['token']}",
    "host_tmp": TARGETS["host_tmp_file"],
    "data_dir": os.path.join(TARGETS["data_dir"], f"planted-{TARGETS['token']}"),
}
written = {}
for name, path in places.items():
    try:
        with open(path, "w") as handle:
            handle.write("pwned")
        written[name] = True
    except OSError:
        written[name] = False
report(written=written)
