written = 0
error = None
try:
    with open(os.path.join(OUTPUT, "big.bin"), "wb") as handle:
        for _ in range(TARGETS["write_mb"] * 16):
            handle.write(b"\0" * 65536)
            written += 65536
except OSError as exc:
    error = exc.strerror
report(written=written, error=error)
