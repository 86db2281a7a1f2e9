"""A CPU-bound worker for the parallelism check: RSA-4096 private decrypts, nothing else.

``python -m bench.spin COUNT`` generates a key, prints ``ready``, waits for a
line on stdin, runs COUNT decrypts and prints the seconds they took. Started
once alone and twice at once, it shows how much two busy processes slow each
other down on this machine (1.0: not at all; 2.0: one core's worth between them).
"""

from __future__ import annotations

import os
import sys
import time

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa


def main(count: int) -> None:
    oaep = padding.OAEP(mgf=padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(), label=None)
    key = rsa.generate_private_key(public_exponent=65537, key_size=4096)
    wrapped = key.public_key().encrypt(os.urandom(32), oaep)
    print("ready", flush=True)
    sys.stdin.readline()
    began = time.perf_counter()
    for _ in range(count):
        key.decrypt(wrapped, oaep)
    print(f"{time.perf_counter() - began:.6f}", flush=True)


if __name__ == "__main__":
    main(int(sys.argv[1]))
