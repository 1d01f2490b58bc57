os.symlink(TARGETS["hidden_file"], os.path.join(OUTPUT, "predictions.json"))
os.symlink("/", os.path.join(OUTPUT, "rootfs"))
try:
    os.link(TARGETS["hidden_file"], os.path.join(OUTPUT, "hardlink.json"))
    hardlinked = True
except OSError:
    hardlinked = False
with open(os.path.join(OUTPUT, "honest.json"), "w") as handle:
    handle.write("{}")
report(hardlinked=hardlinked)
