chunks = []
for _ in range(TARGETS["allocate_mb"] // 16):
    chunks.append(bytearray(16 * 2**20))  # zero-filled: every page is touched
report(allocated_mb=16 * len(chunks))
