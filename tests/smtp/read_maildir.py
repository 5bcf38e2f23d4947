#!/usr/bin/python3
"""read_maildir.py MAILDIR OUTDIR — what arrived, as JSON on stdout, for Baosong's mail tests.

For every message (oldest first): its decoded Subject, Message-ID, From, To, raw size, the
MAIL FROM options the server saw, whether a read receipt was asked, and every attachment with
its name read both ways — RFC 2231 `filename*` (Content-Disposition) and RFC 2047 `name=`
(Content-Type) — each decoded independently; attachments are saved to OUTDIR/<n>/<name>.
`text` is the message's plain-text body (the parts that are no attachment), decoded.
"""
import email
import email.header
import email.policy
import json
import mailbox
import os
import sys


def decode_2047(value):
    if value is None:
        return None
    return str(email.header.make_header(email.header.decode_header(value)))


def main():
    box = mailbox.Maildir(sys.argv[1], create=False)
    out = sys.argv[2]
    messages = []
    for key in sorted(box.keys()):
        raw = box.get_bytes(key)
        msg = email.message_from_bytes(raw, policy=email.policy.compat32)
        n = len(messages) + 1
        folder = os.path.join(out, str(n))
        os.makedirs(folder, exist_ok=True)
        attachments = []
        text = []
        for part in msg.walk():
            if part.get_content_maintype() == "multipart":
                continue
            disposition = part.get("Content-Disposition", "")
            if "attachment" not in disposition:
                if part.get_content_type() == "text/plain":
                    payload = part.get_payload(decode=True) or b""
                    text.append(payload.decode(part.get_content_charset() or "utf-8"))
                continue
            by_2231 = part.get_filename()  # decodes filename*= (and falls back to name=)
            raw_name = part.get_param("name", header="content-type")
            by_2047 = decode_2047(raw_name if isinstance(raw_name, str) else None)
            data = part.get_payload(decode=True) or b""
            path = os.path.join(folder, by_2231 or "unnamed")
            with open(path, "wb") as f:
                f.write(data)
            attachments.append({"filename": by_2231, "name": by_2047, "size": len(data), "path": path})
        messages.append({
            "subject": decode_2047(msg.get("Subject")),
            "message_id": msg.get("Message-ID"),
            "from": decode_2047(msg.get("From")),
            "to": msg.get("To"),
            "size": len(raw),
            "options": msg.get("X-Mail-Options"),
            "receipt": msg.get("Disposition-Notification-To"),
            "attachments": attachments,
            "text": "".join(text),
        })
    json.dump(messages, sys.stdout, ensure_ascii=False)


main()
