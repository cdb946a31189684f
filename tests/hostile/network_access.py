"""Network access from exercise 3: TEST-NET 192.0.2.1 (never routed) and a listener the test runs
on the host's 127.0.0.1. With no network, the connection fails: exercise 3 scores 0."""
EXPECT = 3
SANDBOX = True
MESSAGE = r"ConnectionRefusedError|Network is unreachable|Connection refused|OSError"
CHECKS = ["no_connections"]
ANSWERS = {"ex3_relu": '''
import socket

def _fetch(host, port, timeout):
    with socket.create_connection((host, port), timeout=timeout) as s:
        return s.recv(64)

try:
    _fetch("192.0.2.1", 80, 1.0)
except OSError:
    pass
_answer = _fetch("127.0.0.1", __PORT__, 3.0)

def relu(x):
    return torch.clamp(x, min=0)
'''}
