#!/usr/bin/python3
"""A real SMTP server for Baosong's mail tests (aiosmtpd, Debian python3-aiosmtpd).

smtp_server.py --maildir DIR --cert CERT --key KEY --mode tls|starttls --port-file FILE
               [--user U --password P] [--size-limit N]
               [--fault none|451-once|552|550-rcpt|drop-after-data|drop-mid-data|mute|535]
               [--drop-after-bytes N] [--control-file FILE]

* Listens on 127.0.0.1, a free port chosen by the kernel; the port number is written to
  --port-file (temp file + rename) once the socket listens.
* --mode tls: implicit TLS from the first byte (like smtp.qq.com:465);
  --mode starttls: plain greeting, STARTTLS required before anything else (like :587).
* With --user/--password, AUTH PLAIN/LOGIN is required before MAIL.
* EHLO announces SIZE <size-limit> (default 32 MiB); more data gets 552 after the final dot.
* Every accepted message is added to the Maildir --maildir exactly as received (dot-stuffing
  removed), preceded by three headers: X-Envelope-From, X-Envelope-To, X-Mail-Options
  (the MAIL FROM parameters, e.g. "SIZE=1234 BODY=8BITMIME").
* Faults (see --help): 451-once, 552, 550-rcpt (every recipient refused), drop-after-data, drop-mid-data, stall-after-data,
  stall-mid-data, mute, 535, 3xx-after-data. The fault is looked up for every new connection: from --control-file
  if that file exists and holds JSON like {"fault": "none"} (also "drop_after_bytes"),
  else from --fault. So a test can switch a server "down" and "back up" at run time.
* Logs one line per event on stderr.
"""
import argparse
import asyncio
import json
import mailbox
import os
import socket
import ssl
import sys
import time

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword

FAULTS = ["none", "451-once", "552", "550-rcpt", "drop-after-data", "drop-mid-data", "stall-after-data",
          "stall-mid-data", "mute", "535", "3xx-after-data"]


def log(*a):
    print(time.strftime("%H:%M:%S"), "smtp_server:", *a, file=sys.stderr, flush=True)


class State:
    """Run-time state shared by all connections."""

    def __init__(self, args):
        self.args = args
        self.maildir = mailbox.Maildir(args.maildir, create=True)
        self.last_fault = None
        self.refused_451 = False  # for 451-once: has the one refusal happened?
        self.connections = 0

    def current(self):
        fault, drop_bytes = self.args.fault, self.args.drop_after_bytes
        cf = self.args.control_file
        if cf and os.path.exists(cf):
            try:
                with open(cf, encoding="utf-8") as f:
                    ctl = json.load(f)
                fault = ctl.get("fault", fault)
                drop_bytes = int(ctl.get("drop_after_bytes", drop_bytes))
            except (OSError, ValueError) as e:
                log("control file unreadable, keeping", fault, ":", e)
        if fault not in FAULTS:
            log("unknown fault", fault, "-> none")
            fault = "none"
        if fault != self.last_fault:
            log("fault is now", fault)
            self.last_fault = fault
            self.refused_451 = False  # switching (back) to 451-once arms it again
        return fault, drop_bytes


class Handler:
    def __init__(self, state):
        self.state = state

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if server.fault == "550-rcpt":
            log("RCPT", address, "refused with 550")
            return "550 5.1.1 <%s>: mailbox unavailable" % address
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        fault = server.fault
        if fault == "451-once" and not self.state.refused_451:
            self.state.refused_451 = True
            log("DATA refused once with 451")
            return "451 4.3.0 try again later"
        if fault == "552":
            log("DATA refused with 552")
            return "552 5.3.4 Message size exceeds fixed maximum message size"
        raw = envelope.original_content
        head = (
            "X-Envelope-From: %s\r\nX-Envelope-To: %s\r\nX-Mail-Options: %s\r\n"
            % (envelope.mail_from, ", ".join(envelope.rcpt_tos), " ".join(envelope.mail_options))
        ).encode("utf-8")
        key = self.state.maildir.add(head + raw)
        log("stored", key, len(raw), "bytes from", envelope.mail_from, "to", envelope.rcpt_tos)
        if fault == "drop-after-data":
            log("closing the connection before the 250 reply (drop-after-data)")
            server.transport.close()
            # aiosmtpd will still try to push this reply; the transport is closed, so it is lost.
        if fault == "3xx-after-data":
            log("stored; replying 354 instead of 250 (3xx-after-data)")
            return "354 2.0.0 stored, but this is no acceptance"
        if fault == "stall-after-data":
            log("stored; never replying (stall-after-data)")
            await asyncio.sleep(3600)
        return "250 2.0.0 OK queued as %s" % key


class FaultySMTP(SMTP):
    """aiosmtpd's SMTP with two per-connection faults that need the protocol itself."""

    def __init__(self, *a, fault="none", drop_after_bytes=65536, **kw):
        super().__init__(*a, **kw)
        self.fault = fault
        self.drop_after_bytes = drop_after_bytes

    async def smtp_DATA(self, arg):
        if self.fault not in ("drop-mid-data", "stall-mid-data"):
            return await super().smtp_DATA(arg)
        if await self.check_helo_needed() or await self.check_auth_needed("DATA"):
            return
        if not self.envelope.rcpt_tos:
            await self.push("503 Error: need RCPT command")
            return
        await self.push("354 End data with <CR><LF>.<CR><LF>")
        got = 0
        while got < self.drop_after_bytes:
            chunk = await self._reader.read(min(65536, self.drop_after_bytes - got))
            if not chunk:
                break
            got += len(chunk)
        if self.fault == "stall-mid-data":
            log("stall-mid-data: read", got, "bytes of DATA, now reading nothing more")
            await asyncio.sleep(3600)  # the client's writes block once the socket buffers fill
            return
        log("drop-mid-data: read", got, "bytes of DATA, now aborting the connection")
        # abort(): no TLS close_notify, unread data makes the kernel send RST -> the client's
        # next write fails (EPIPE / ECONNRESET).
        self.transport.abort()


def make_authenticator(state, user, password):
    def authenticator(server, session, envelope, mechanism, auth_data):
        if server.fault == "535":
            log("AUTH", mechanism, "refused (fault 535)")
            return AuthResult(success=False, handled=False)
        ok = (
            isinstance(auth_data, LoginPassword)
            and auth_data.login == user.encode("utf-8")
            and auth_data.password == password.encode("utf-8")
        )
        log("AUTH", mechanism, "ok" if ok else "failed")
        return AuthResult(success=ok, handled=False)

    return authenticator


def build_contexts(args):
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(args.cert, args.key)
    return ctx


async def hold_mute(loop, sock, peer):
    """A 'mute' connection: accept, read and discard, never send a byte."""
    sock.setblocking(False)
    try:
        while True:
            data = await loop.sock_recv(sock, 65536)
            if not data:
                break
    except OSError:
        pass
    finally:
        sock.close()
        log("mute connection from", peer, "closed by the client")


async def serve(args):
    loop = asyncio.get_running_loop()
    state = State(args)
    ctx = build_contexts(args)
    lsock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    lsock.bind(("127.0.0.1", 0))
    lsock.listen(64)
    lsock.setblocking(False)
    port = lsock.getsockname()[1]
    tmp = args.port_file + ".tmp.%d" % os.getpid()
    with open(tmp, "w") as f:
        f.write("%d\n" % port)
    os.replace(tmp, args.port_file)
    log("listening on 127.0.0.1:%d mode=%s fault=%s" % (port, args.mode, args.fault))

    authenticator = make_authenticator(state, args.user, args.password) if args.user else None
    handler = Handler(state)
    tasks = set()

    while True:
        sock, peer = await loop.sock_accept(lsock)
        state.connections += 1
        fault, drop_bytes = state.current()
        log("connection", state.connections, "from", peer, "fault", fault)
        if fault == "mute":
            t = loop.create_task(hold_mute(loop, sock, peer))
            tasks.add(t)
            t.add_done_callback(tasks.discard)
            continue

        kw = dict(
            hostname="localhost",
            data_size_limit=args.size_limit,
            decode_data=False,
            timeout=300,
            fault=fault,
            drop_after_bytes=drop_bytes,
        )
        if authenticator:
            kw.update(authenticator=authenticator, auth_required=True)
        if args.mode == "tls":
            kw.update(auth_require_tls=False)  # aiosmtpd does not see the implicit TLS
            ssl_ctx = ctx
        else:
            kw.update(tls_context=ctx, require_starttls=True)
            ssl_ctx = None

        def factory(kw=kw):
            return FaultySMTP(handler, **kw)

        async def start(sock=sock, factory=factory, ssl_ctx=ssl_ctx, peer=peer):
            try:
                await loop.connect_accepted_socket(
                    factory, sock, ssl=ssl_ctx, ssl_handshake_timeout=30 if ssl_ctx else None
                )
            except (OSError, ssl.SSLError, asyncio.TimeoutError, ConnectionError) as e:
                log("connection from", peer, "failed before SMTP:", repr(e))
                sock.close()

        t = loop.create_task(start())
        tasks.add(t)
        t.add_done_callback(tasks.discard)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--maildir", required=True)
    p.add_argument("--cert", required=True, help="server certificate PEM (leaf, may be followed by chain)")
    p.add_argument("--key", required=True)
    p.add_argument("--mode", choices=["tls", "starttls"], required=True)
    p.add_argument("--port-file", required=True)
    p.add_argument("--user")
    p.add_argument("--password")
    p.add_argument("--size-limit", type=int, default=33554432, help="bytes; announced as EHLO SIZE")
    p.add_argument(
        "--fault",
        choices=FAULTS,
        default="none",
        help="451-once: first DATA gets 451, later ones are accepted; 552: every message refused "
        "after the data; drop-after-data: store, then close before the 250; drop-mid-data: "
        "abort the connection after --drop-after-bytes bytes of DATA (nothing stored); "
        "stall-after-data: store, then never reply; stall-mid-data: stop reading after "
        "--drop-after-bytes bytes of DATA and never reply; "
        "mute: accept TCP and never send anything (no TLS); 535: every AUTH refused; "
        "3xx-after-data: store, then answer the final dot with a 354 (not an acceptance)",
    )
    p.add_argument("--drop-after-bytes", type=int, default=65536)
    p.add_argument("--control-file", help='JSON re-read per connection, e.g. {"fault": "none"}')
    args = p.parse_args()
    if bool(args.user) != bool(args.password is not None):
        p.error("--user and --password go together")
    try:
        asyncio.run(serve(args))
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
