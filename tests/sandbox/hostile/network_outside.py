import errno
import socket

interfaces = [name for _index, name in socket.if_nameindex()]
sock = socket.socket()
sock.settimeout(1)
try:
    sock.connect(("10.255.255.1", 9))  # unroutable test address; never a real service
    result = "connected"
except OSError as exc:
    result = "unreachable" if exc.errno == errno.ENETUNREACH else f"errno {exc.errno}"
except TimeoutError:
    result = "timed out (packet left the host)"
report(result=result, interfaces=interfaces)
