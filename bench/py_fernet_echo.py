#!/usr/bin/env python3
"""The network anchor: a Python asyncio server and load client for cipherlab's lab protocol.

Speaks the framed "lab" wire protocol of docs/PROTOCOL.md with the Fernet scheme and a
pre-shared key, using only the standard library and the `cryptography` package.

    py_fernet_echo.py server --listen 127.0.0.1:0 --key FERNETKEY
        Serves lab clients: HELLO -> WELCOME {"key_exchange":"psk"}, then every DATA is opened
        with Fernet and answered with one VERDICT (authentic, or rejected with a reason).
        Prints {"event":"listening","addr":"127.0.0.1:PORT"} first, then serves until SIGTERM
        or SIGINT, says BYE to every client, prints {"event":"stopped",...} and exits 0.

    py_fernet_echo.py load --connect ADDR --key K --clients C --messages N --size B [--json]
        C concurrent clients; each does HELLO/WELCOME, then N times seals a B-byte message with
        Fernet, sends DATA and awaits its VERDICT (one message outstanding per client). Reports
        msgs/s over the wall clock from the first DATA sent to the last VERDICT received, the
        p50/p99/max round trip (DATA written -> VERDICT read) in ms, and errors. Works against
        any lab server: this one or `cipherlab server --scheme fernet --key-exchange psk`.
        Exit 0 when every message got "authentic", 1 otherwise (errors or timeout), 2 on usage.

Only loopback addresses are accepted, for both --listen and --connect.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import binascii
import hashlib
import hmac
import ipaddress
import json
import math
import os
import signal
import socket
import struct
import sys
import time

from cryptography.fernet import Fernet, InvalidToken

VERSION = 1
MAX_FRAME = 1024 * 1024  # default --max-frame of the protocol
HANDSHAKE_TIMEOUT = 10.0
SHUTDOWN_GRACE = 5.0

K_HELLO, K_WELCOME, K_DATA, K_VERDICT, K_ERROR, K_BYE = b"H", b"W", b"D", b"V", b"E", b"B"
KIND_NAMES = {K_HELLO: "HELLO", K_WELCOME: "WELCOME", K_DATA: "DATA",
              K_VERDICT: "VERDICT", K_ERROR: "ERROR", K_BYE: "BYE"}
KNOWN_SCHEMES = ("ecb", "cbc", "fernet", "hmac")

_LEN = struct.Struct(">I")
_DATA_HEAD = struct.Struct(">IcQ")  # length, kind 'D', seq


class ProtocolError(Exception):
    """The peer broke the protocol; the reason goes into an ERROR frame."""


class UsageError(Exception):
    """A bad command line."""


# ---------------------------------------------------------------------------------- framing

def frame(kind: bytes, payload: bytes = b"") -> bytes:
    return _LEN.pack(1 + len(payload)) + kind + payload


def json_frame(kind: bytes, obj: dict) -> bytes:
    return frame(kind, json.dumps(obj, separators=(",", ":")).encode())


def data_frame(seq: int, wire: bytes) -> bytes:
    return _DATA_HEAD.pack(9 + len(wire), K_DATA, seq) + wire


async def read_frame(reader: asyncio.StreamReader, max_frame: int = MAX_FRAME):
    """Returns (kind, payload), or None on a clean close between frames."""
    try:
        prefix = await reader.readexactly(4)
    except asyncio.IncompleteReadError as e:
        if not e.partial:
            return None
        raise ProtocolError(f"connection closed mid-frame: {len(e.partial)} of 4 bytes received")
    (length,) = _LEN.unpack(prefix)
    if length == 0:
        raise ProtocolError("empty frame (length 0)")
    if length > max_frame:
        raise ProtocolError(f"frame length {length} exceeds the maximum of {max_frame} bytes")
    try:
        body = await reader.readexactly(length)
    except asyncio.IncompleteReadError as e:
        raise ProtocolError(
            f"connection closed mid-frame: {len(e.partial)} of {length} bytes received")
    return body[:1], body[1:]


def parse_json(kind: bytes, payload: bytes) -> dict:
    try:
        obj = json.loads(payload)
    except (ValueError, UnicodeDecodeError) as e:
        raise ProtocolError(f"malformed {KIND_NAMES[kind]} JSON: {e}")
    if not isinstance(obj, dict):
        raise ProtocolError(f"malformed {KIND_NAMES[kind]} JSON: not an object")
    return obj


def loopback_addr(text: str, what: str) -> tuple[str, int]:
    """Parses HOST:PORT or [V6]:PORT and insists on a loopback host."""
    host, sep, port = text.rpartition(":")
    if not sep or not port.isdigit() or int(port) > 65535:
        raise UsageError(f"{what} must be HOST:PORT, got {text!r}")
    host = host[1:-1] if host.startswith("[") and host.endswith("]") else host
    if host != "localhost":
        try:
            ok = ipaddress.ip_address(host).is_loopback
        except ValueError:
            ok = False
        if not ok:
            raise UsageError(f"{what} must be a loopback address (127.0.0.0/8, ::1, localhost),"
                             f" got {host!r}")
    return host, int(port)


def fernet_from(key: str) -> Fernet:
    try:
        return Fernet(key)
    except (ValueError, binascii.Error, TypeError) as e:
        raise UsageError(f"--key is not a Fernet key (32 bytes, urlsafe base64): {e}")


def reject_reason(token: bytes, signing_key: bytes) -> str:
    """Names why a token Fernet refused was refused, in the protocol's words.

    cryptography raises one InvalidToken for every failure; this re-checks the structure
    (only on the failure path, so it costs the accepted path nothing) to give the same reason
    cipherlab gives: base64, version byte, length, then the tag, then the block layout.
    """
    try:
        raw = base64.b64decode(token, altchars=b"-_", validate=True)
    except (binascii.Error, ValueError):
        return "invalid base64"
    if not raw:
        return "too short"
    if raw[0] != 0x80:
        return "bad version byte"
    if len(raw) < 1 + 8 + 16 + 16 + 32:
        return "too short"
    body, tag = raw[:-32], raw[-32:]
    if not hmac.compare_digest(hmac.new(signing_key, body, hashlib.sha256).digest(), tag):
        return "tag mismatch"
    if (len(body) - 25) % 16:
        return "not a multiple of the block size"
    return "bad padding"


# ----------------------------------------------------------------------------------- server

class Server:
    def __init__(self, key: str, max_clients: int, max_frame: int):
        self.fernet = fernet_from(key)
        self.signing_key = base64.urlsafe_b64decode(key)[:16]
        self.max_clients = max_clients
        self.max_frame = max_frame
        self.conns: set[asyncio.StreamWriter] = set()
        self.tasks: set[asyncio.Task] = set()
        self.stopping = False
        self.served = 0
        self.messages = 0
        self.rejected = 0

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter):
        task = asyncio.current_task()
        self.tasks.add(task)
        try:
            if self.stopping or len(self.conns) >= self.max_clients:
                writer.write(json_frame(K_ERROR, {
                    "reason": f"server full: {self.max_clients} clients connected (--max-clients)"}))
                await self._close(writer)
                return
            self.conns.add(writer)
            self.served += 1
            sock = writer.get_extra_info("socket")
            if sock is not None:
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            try:
                await self._converse(reader, writer)
            except ProtocolError as e:
                writer.write(json_frame(K_ERROR, {"reason": str(e)[:256]}))
            except (ConnectionError, OSError):
                pass
            finally:
                self.conns.discard(writer)
                await self._close(writer)
        finally:
            self.tasks.discard(task)

    async def _close(self, writer: asyncio.StreamWriter):
        try:
            writer.close()
            await asyncio.wait_for(writer.wait_closed(), 2.0)
        except (ConnectionError, OSError, asyncio.TimeoutError):
            pass

    async def _converse(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter):
        try:
            first = await asyncio.wait_for(read_frame(reader, self.max_frame), HANDSHAKE_TIMEOUT)
        except asyncio.TimeoutError:
            raise ProtocolError(f"no HELLO within {HANDSHAKE_TIMEOUT:g} s")
        if first is None:
            return
        kind, payload = first
        if kind != K_HELLO:
            raise ProtocolError(f"expected HELLO, got {KIND_NAMES.get(kind, kind.hex())}")
        hello = parse_json(kind, payload)
        if hello.get("version") != VERSION:
            raise ProtocolError(
                f"invalid HELLO: protocol version {hello.get('version')}, this side speaks 1")
        asked = hello.get("scheme")
        if asked is not None:
            # Scheme names are matched case-insensitively, as cipherlab does.
            asked = str(asked).lower() if isinstance(asked, str) else repr(asked)
            if asked not in KNOWN_SCHEMES:
                raise ProtocolError(
                    f"unknown scheme '{asked}' (expected ecb, cbc, fernet or hmac)")
            if asked != "fernet":
                raise ProtocolError(
                    f"scheme mismatch: this server speaks fernet, the client asked for {asked}")
        writer.write(json_frame(K_WELCOME, {"version": VERSION, "scheme": "fernet",
                                            "key_exchange": "psk"}))
        await writer.drain()

        decrypt = self.fernet.decrypt
        while True:
            got = await read_frame(reader, self.max_frame)
            if got is None:
                return
            kind, payload = got
            if kind == K_DATA:
                if len(payload) < 8:
                    raise ProtocolError(f"DATA frame too short: {len(payload) + 1} bytes")
                seq = int.from_bytes(payload[:8], "big")
                token = payload[8:]
                try:
                    decrypt(token)
                    body = b'{"seq":%d,"verdict":"authentic"}' % seq
                except InvalidToken:
                    self.rejected += 1
                    body = b'{"seq":%d,"verdict":"rejected","reason":"%s"}' % (
                        seq, reject_reason(token, self.signing_key).encode())
                self.messages += 1
                writer.write(frame(K_VERDICT, body))
                await writer.drain()
            elif kind == K_BYE:
                return
            elif kind == K_ERROR:
                return
            elif kind == K_VERDICT:
                seq = parse_json(kind, payload).get("seq")
                raise ProtocolError(f"VERDICT for message {seq}, which is not awaiting one")
            elif kind in (K_HELLO, K_WELCOME):
                raise ProtocolError(f"unexpected {KIND_NAMES[kind]} after the handshake")
            else:
                raise ProtocolError(f"unknown frame kind 0x{kind.hex()}")

    async def shutdown(self):
        self.stopping = True
        bye = json_frame(K_BYE, {"reason": "server shutting down"})
        for writer in list(self.conns):
            try:
                writer.write(bye)
                writer.close()
            except (ConnectionError, OSError, RuntimeError):
                pass
        if self.tasks:
            done, pending = await asyncio.wait(list(self.tasks), timeout=SHUTDOWN_GRACE)
            for t in pending:
                t.cancel()


def emit(obj: dict):
    print(json.dumps(obj, separators=(",", ":")), flush=True)


async def run_server(args) -> int:
    host, port = loopback_addr(args.listen, "--listen")
    srv = Server(args.key, args.max_clients, args.max_frame)
    listener = await asyncio.start_server(srv.handle, host, port, backlog=1024)
    sockname = listener.sockets[0].getsockname()
    shown = f"[{sockname[0]}]:{sockname[1]}" if ":" in sockname[0] else f"{sockname[0]}:{sockname[1]}"
    emit({"event": "listening", "addr": shown})

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    listener.close()
    await srv.shutdown()
    emit({"event": "stopped", "connections": srv.served, "messages": srv.messages,
          "rejected": srv.rejected})
    return 0


# ------------------------------------------------------------------------------------- load

class LoadStats:
    def __init__(self):
        self.rtts: list[float] = []      # seconds
        self.errors = 0                  # non-authentic verdicts + connection/protocol failures
        self.error_samples: list[str] = []
        self.first_send: float | None = None
        self.last_verdict: float | None = None

    def error(self, text: str):
        self.errors += 1
        if len(self.error_samples) < 5:
            self.error_samples.append(text)


async def load_client(idx: int, host: str, port: int, key: str | None, messages: int,
                      size: int, stats: LoadStats, ready: asyncio.Queue, go: asyncio.Event):
    """One client. Puts True (handshake done) or False (failed) on `ready` exactly once."""
    announced = False
    writer = None
    try:
        reader, writer = await asyncio.open_connection(host, port)
        sock = writer.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        writer.write(json_frame(K_HELLO, {"version": VERSION, "scheme": "fernet",
                                          "name": f"py-load-{idx}"}))
        await writer.drain()
        got = await asyncio.wait_for(read_frame(reader), HANDSHAKE_TIMEOUT)
        if got is None:
            raise ProtocolError("connection closed before WELCOME")
        kind, payload = got
        if kind == K_ERROR:
            raise ProtocolError(f"server refused: {parse_json(kind, payload).get('reason')}")
        if kind != K_WELCOME:
            raise ProtocolError(f"expected WELCOME, got {KIND_NAMES.get(kind, kind.hex())}")
        welcome = parse_json(kind, payload)
        if welcome.get("scheme") != "fernet":
            raise ProtocolError(f"server speaks {welcome.get('scheme')!r}, not fernet")
        if welcome.get("key_exchange") == "send" and welcome.get("key"):
            key = welcome["key"]  # sent in the clear by the server: use it
        elif welcome.get("key_exchange") != "psk":
            raise ProtocolError(f"malformed WELCOME: {welcome}")
        if not key:
            raise ProtocolError("server says psk but no --key was given")
        fernet = fernet_from(key)
        payload_plain = os.urandom(size)
        encrypt = fernet.encrypt
        clock = time.perf_counter
        rtts = stats.rtts

        announced = True
        await ready.put(True)
        await go.wait()

        for seq in range(1, messages + 1):
            out = data_frame(seq, encrypt(payload_plain))
            t0 = clock()
            if stats.first_send is None or t0 < stats.first_send:
                stats.first_send = t0
            writer.write(out)
            await writer.drain()
            got = await read_frame(reader)
            t1 = clock()
            if got is None:
                raise ProtocolError(f"server closed the connection awaiting verdict {seq}")
            kind, body = got
            if kind != K_VERDICT:
                detail = ""
                if kind in (K_ERROR, K_BYE) and body:
                    detail = f": {parse_json(kind, body).get('reason')}"
                raise ProtocolError(f"expected VERDICT {seq}, got "
                                    f"{KIND_NAMES.get(kind, kind.hex())}{detail}")
            verdict = parse_json(kind, body)
            if verdict.get("seq") != seq:
                raise ProtocolError(f"VERDICT for seq {verdict.get('seq')}, expected {seq}")
            rtts.append(t1 - t0)
            if stats.last_verdict is None or t1 > stats.last_verdict:
                stats.last_verdict = t1
            if verdict.get("verdict") != "authentic":
                stats.error(f"client {idx} seq {seq}: {verdict.get('verdict')}"
                            f" ({verdict.get('reason', '')})")
        writer.write(json_frame(K_BYE, {"reason": "goodbye"}))
        await writer.drain()
    except asyncio.CancelledError:
        raise
    except (ProtocolError, UsageError, ConnectionError, OSError, asyncio.TimeoutError,
            asyncio.IncompleteReadError) as e:
        stats.error(f"client {idx}: {type(e).__name__}: {e}")
    finally:
        if not announced:
            ready.put_nowait(False)
        if writer is not None:
            try:
                writer.close()
                await asyncio.wait_for(writer.wait_closed(), 2.0)
            except (ConnectionError, OSError, asyncio.TimeoutError):
                pass


def percentile(sorted_values: list[float], p: float) -> float:
    """Nearest-rank percentile of an ascending list."""
    if not sorted_values:
        return float("nan")
    rank = max(1, math.ceil(p / 100.0 * len(sorted_values)))
    return sorted_values[rank - 1]


async def run_load(args) -> int:
    host, port = loopback_addr(args.connect, "--connect")
    if args.key:
        fernet_from(args.key)  # fail early on a bad key
    stats = LoadStats()
    ready: asyncio.Queue = asyncio.Queue()
    go = asyncio.Event()
    cpu0 = time.process_time()
    started = time.perf_counter()
    tasks = [asyncio.create_task(load_client(i, host, port, args.key, args.messages, args.size,
                                             stats, ready, go))
             for i in range(args.clients)]
    timed_out = False
    deadline = started + args.timeout
    try:
        # Handshakes first, then every client starts sending at once.
        for _ in range(args.clients):
            left = deadline - time.perf_counter()
            await asyncio.wait_for(ready.get(), max(left, 0.001))
        go.set()
        left = deadline - time.perf_counter()
        done, pending = await asyncio.wait(tasks, timeout=max(left, 0.001))
        if pending:
            timed_out = True
    except asyncio.TimeoutError:
        timed_out = True
    if timed_out:
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    cpu = time.process_time() - cpu0

    rtts = sorted(stats.rtts)
    completed = len(rtts)
    total = args.clients * args.messages
    if stats.first_send is not None and stats.last_verdict is not None:
        wall = stats.last_verdict - stats.first_send
    else:
        wall = 0.0
    result = {
        "msgs_per_sec": round(completed / wall, 1) if wall > 0 else 0.0,
        "p50_ms": round(percentile(rtts, 50) * 1e3, 3) if rtts else None,
        "p99_ms": round(percentile(rtts, 99) * 1e3, 3) if rtts else None,
        "max_ms": round(rtts[-1] * 1e3, 3) if rtts else None,
        "errors": stats.errors,
        "clients": args.clients,
        "messages": args.messages,
        "size": args.size,
        "completed": completed,
        "total_messages": total,
        "wall_s": round(wall, 4),
        "client_cpu_s": round(cpu, 3),
        "timed_out": timed_out,
        "target": f"{host}:{port}",
    }
    ok = not timed_out and stats.errors == 0 and completed == total
    if args.json:
        print(json.dumps(result, separators=(",", ":")), flush=True)
    else:
        print(f"target        {result['target']}  ({args.clients} clients x {args.messages} "
              f"messages of {args.size} B, fernet)")
        print(f"completed     {completed}/{total} in {wall:.3f} s"
              + ("  (TIMED OUT)" if timed_out else ""))
        print(f"throughput    {result['msgs_per_sec']} msgs/s")
        if rtts:
            print(f"round trip    p50 {result['p50_ms']} ms  p99 {result['p99_ms']} ms  "
                  f"max {result['max_ms']} ms")
        print(f"errors        {stats.errors}")
        print(f"client cpu    {cpu:.2f} s")
    for sample in stats.error_samples:
        print(f"py_fernet_echo: {sample}", file=sys.stderr)
    if timed_out:
        print(f"py_fernet_echo: overall timeout of {args.timeout:g} s reached", file=sys.stderr)
    elif completed != total and stats.errors == 0:
        print(f"py_fernet_echo: only {completed} of {total} messages completed", file=sys.stderr)
    return 0 if ok else 1


# -------------------------------------------------------------------------------------- cli

def positive(limit: int):
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not an integer: {text!r}")
        if not 1 <= value <= limit:
            raise argparse.ArgumentTypeError(f"must be from 1 to {limit}")
        return value
    return parse


def seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}")
    if not 0 < value <= 3600:
        raise argparse.ArgumentTypeError("must be in (0, 3600]")
    return value


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="py_fernet_echo.py",
        description="Python asyncio + cryptography Fernet baseline for the cipherlab lab protocol.")
    sub = parser.add_subparsers(dest="command", required=True)

    s = sub.add_parser("server", help="serve lab clients (fernet, psk) until SIGTERM/SIGINT")
    s.add_argument("--listen", default="127.0.0.1:0", help="loopback HOST:PORT (default %(default)s)")
    s.add_argument("--key", required=True, help="the Fernet key (urlsafe base64 of 32 bytes)")
    s.add_argument("--max-clients", type=positive(65536), default=256,
                   help="most clients at once; the next gets ERROR (default %(default)s)")
    s.add_argument("--max-frame", type=positive(64 * 1024 * 1024), default=MAX_FRAME,
                   help="largest frame body accepted, bytes (default %(default)s)")

    ld = sub.add_parser("load", help="drive a lab server with concurrent Fernet clients")
    ld.add_argument("--connect", required=True, help="loopback HOST:PORT of the server")
    ld.add_argument("--key", help="the Fernet key; needed when the server says psk")
    ld.add_argument("--clients", type=positive(1024), default=10,
                    help="concurrent connections, one message in flight each (default %(default)s)")
    ld.add_argument("--messages", type=positive(10_000_000), default=200,
                    help="messages per client (default %(default)s)")
    ld.add_argument("--size", type=positive(MAX_FRAME // 2), default=64,
                    help="plaintext bytes per message (default %(default)s)")
    ld.add_argument("--timeout", type=seconds, default=120.0,
                    help="overall limit in seconds (default %(default)s)")
    ld.add_argument("--json", action="store_true", help="print one JSON object")

    args = parser.parse_args(argv)
    try:
        if args.command == "server":
            return asyncio.run(run_server(args))
        return asyncio.run(run_load(args))
    except UsageError as e:
        print(f"py_fernet_echo: {e}", file=sys.stderr)
        return 2
    except OSError as e:
        print(f"py_fernet_echo: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
