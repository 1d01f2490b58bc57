# Fill the output folder. mode "one_file" (default): one file of write_mb MiB;
# "spread": 1 MiB files without end, each under RLIMIT_FSIZE, until a write
# fails; "files": `files` empty files.
mode = TARGETS.get("mode", "one_file")
written = 0
created = 0
error = None
try:
    if mode == "spread":
        block = b"\0" * 65536
        while True:
            with open(os.path.join(OUTPUT, f"part-{created:07d}.bin"), "wb") as handle:
                created += 1
                for _ in range(16):
                    handle.write(block)
                    written += 65536
    elif mode == "files":
        for created in range(1, TARGETS["files"] + 1):
            os.close(os.open(os.path.join(OUTPUT, f"f{created:07d}"), os.O_CREAT | os.O_WRONLY, 0o644))
    else:
        with open(os.path.join(OUTPUT, "big.bin"), "wb") as handle:
            for _ in range(TARGETS["write_mb"] * 16):
                handle.write(b"\0" * 65536)
                written += 65536
except OSError as exc:
    error = exc.strerror
try:
    report(written=written, created=created, error=error)
except OSError:
    pass  # the output is full: that is the point
