import signal
import time

# A child that leaves the process group and ignores polite signals, then
# keeps a heartbeat file fresh; the parent loops forever.
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        for sig in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
            signal.signal(sig, signal.SIG_IGN)
        devnull = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(devnull, fd)
        with open(os.path.join(OUTPUT, "survivor.pid"), "w") as handle:
            handle.write(str(os.getpid()))
        for beat in range(100):  # bounded: 20 s at most
            with open(os.path.join(OUTPUT, "heartbeat"), "w") as handle:
                handle.write(str(beat))
            time.sleep(0.2)
        os._exit(0)
    os._exit(0)
print("looping forever", flush=True)
while True:
    pass
