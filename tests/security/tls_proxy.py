#!/usr/bin/env python3
"""A TLS-terminating reverse proxy for tests: what a service centre puts in front of
kotona-server's loopback HTTP API (docs/security.md). Usage: tls_proxy.py CERT KEY TARGET_PORT.
Listens on 127.0.0.1 (a free port, printed as "tls proxy on 127.0.0.1:PORT"), speaks TLS 1.2+
with CERT/KEY, and splices each connection to 127.0.0.1:TARGET_PORT. Stops on SIGTERM."""
import socket
import ssl
import sys
import threading


def pipe(src, dst):
    try:
        while True:
            data = src.recv(65536)
            if not data:
                break
            dst.sendall(data)
    except OSError:
        pass
    finally:
        for s in (src, dst):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def serve(conn, context, port):
    try:
        tls = context.wrap_socket(conn, server_side=True)
    except (ssl.SSLError, OSError):
        conn.close()
        return
    upstream = socket.create_connection(("127.0.0.1", port))
    threading.Thread(target=pipe, args=(tls, upstream), daemon=True).start()
    pipe(upstream, tls)


def main():
    cert, key, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(cert, key)
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    print("tls proxy on 127.0.0.1:%d" % listener.getsockname()[1], flush=True)
    while True:
        conn, _ = listener.accept()
        threading.Thread(target=serve, args=(conn, context, port), daemon=True).start()


if __name__ == "__main__":
    main()
