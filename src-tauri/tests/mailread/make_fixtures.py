#!/usr/bin/env python3
"""Writes the .eml fixtures of `tests/mailread.rs`: messages shaped the way the mail clients
a district office uses write them, made with Python's own `email` package so every byte can be
made again (fixed boundaries, dates, Message-IDs and attachment bytes).

    python3 make_fixtures.py OUT_DIR

The forms, as the clients are known to write them (see the comments per message):
  foxmail-gbk.eml        Foxmail: GBK everywhere, RFC 2047 B-encoded names in name= and filename=
  qq-webmail.eml         QQ webmail: RFC 2231 UTF-8 names with continuations, HTML-only body,
                         one name continued in the middle of a character, one RFC 2231 GBK name
  outlook-q.eml          Outlook: RFC 2047 Q-encoded gb2312 names, quoted-printable body, a part
                         named only on Content-Type
  raw-8bit.eml           a client writing raw 8-bit UTF-8 and GBK bytes into the headers
  qq-ftn-notice.eml      a QQ Mail 超大附件 notice: text and HTML, names, sizes, links
  netease-large.eml      a NetEase (163) 超大附件 notice
  mislabelled-gbk.eml    GBK bodies labelled UTF-8 or not labelled at all
  nested-and-odd.eml     a forwarded message/rfc822, a GBK text attachment (bytes kept), an
                         unnamed part, a Date without a weekday and a multipart with no end line
"""

import base64
import email.charset
import email.header
import hashlib
import json
import os
import quopri
import sys
from email.message import Message
from email.policy import compat32

CRLF = compat32.clone(linesep="\r\n", max_line_length=78)


def data(n, seed):
    """n deterministic bytes that look like a binary file."""
    x = seed & 0xFFFFFFFF
    out = bytearray()
    for _ in range(n):
        x = (x * 1103515245 + 12345) & 0x7FFFFFFF
        out.append((x >> 16) & 0xFF)
    return bytes(out)


def b_words(text, charset, max_raw=30):
    """RFC 2047 B-encoded words of whole characters, separated by spaces."""
    words, cur = [], ""
    for ch in text:
        if len((cur + ch).encode(charset)) > max_raw:
            words.append(cur)
            cur = ""
        cur += ch
    if cur:
        words.append(cur)
    return " ".join(
        "=?%s?B?%s?=" % (charset.upper(), base64.b64encode(w.encode(charset)).decode())
        for w in words
    )


def _q(text, charset):
    raw = text.encode(charset)
    enc = "".join(
        chr(b) if (48 <= b <= 57 or 65 <= b <= 90 or 97 <= b <= 122) else "=%02X" % b
        for b in raw
    )
    return "=?%s?Q?%s?=" % (charset, enc)


def raw8(text):
    """Text sent as raw 8-bit UTF-8 (Python's generator writes surrogate escapes as bytes)."""
    return text.encode("utf-8").decode("ascii", "surrogateescape")


def b64_lines(raw):
    s = base64.b64encode(raw).decode()
    return "\r\n".join(s[i : i + 76] for i in range(0, len(s), 76)) + "\r\n"


def leaf(ctype, payload, cte, headers=()):
    p = Message()
    p["Content-Type"] = ctype
    for k, v in headers:
        p[k] = v
    p["Content-Transfer-Encoding"] = cte
    p.set_payload(payload)
    return p


def multipart(subtype, boundary, parts, headers=()):
    m = Message()
    for k, v in headers:
        m[k] = v
    m["MIME-Version"] = "1.0"
    m["Content-Type"] = 'multipart/%s; boundary="%s"' % (subtype, boundary)
    for p in parts:
        m.attach(p)
    return m


def as_bytes(m):
    return m.as_bytes(policy=CRLF)


def foxmail():
    # Foxmail 7.2 (GBK build): a GBK plain body in base64 beside a GBK HTML body, names as
    # GBK B-words in both name= and filename=, the long one split over several words.
    long_name = "金平区总工会-汕头好网民2023-作品报送-第1包-共2包.zip"
    short_name = "报送汇总表.xlsx"
    text = "市总工会：\r\n\r\n附件是金平区的报送作品，请查收。\r\n\r\n金平区总工会 林堃\r\n"
    html = "<html><body><p>市总工会：</p><p>附件是金平区的报送作品，请查收。</p></body></html>"
    alt = multipart(
        "alternative",
        "----=_NextPart_fox_alt_01",
        [
            leaf('text/plain; charset="GBK"', b64_lines(text.encode("gbk")), "base64"),
            leaf('text/html; charset="GBK"', b64_lines(html.encode("gbk")), "base64"),
        ],
    )
    del alt["MIME-Version"]
    atts = []
    for name, raw in ((long_name, data(3000, 1)), (short_name, data(700, 2))):
        w = b_words(name, "gbk")
        atts.append(
            leaf(
                'application/octet-stream; name="%s"' % w,
                b64_lines(raw),
                "base64",
                [("Content-Disposition", 'attachment; filename="%s"' % w)],
            )
        )
    m = multipart(
        "mixed",
        "----=_NextPart_fox_mix_01",
        [alt] + atts,
        [
            ("Date", "Tue, 10 Jun 2025 09:30:15 +0800"),
            ("From", '"%s" <jinping_zgh@163.com>' % b_words("金平区总工会", "gbk")),
            ("To", '"%s" <1718755663@qq.com>' % b_words("市总工会", "gbk")),
            ("Subject", b_words("金平区总工会-作品报送（第1封/共2封）", "gbk")),
            ("Message-ID", "<202506100930150001@163.com>"),
            ("X-Mailer", "Foxmail 7.2.25.228[cn]"),
        ],
    )
    return as_bytes(m), {long_name: data(3000, 1), short_name: data(700, 2)}


def pct(raw):
    return "".join(
        chr(b) if (48 <= b <= 57 or 65 <= b <= 90 or 97 <= b <= 122 or chr(b) in "-._") else "%%%02X" % b
        for b in raw
    )


def qq_webmail():
    # QQ webmail: UTF-8 names in RFC 2231 with continuations (filename*0*, filename*1* …), an
    # HTML-only body. One name is continued in the middle of a character (legal: the octets
    # are joined before decoding); one is RFC 2231 in GBK.
    name1 = "南澳县总工会-微视频-工匠精神传承-郑玥.mp4"
    name2 = "诵读《春》.mp3"
    name3 = "说明（GBK）.txt"
    raw1 = name1.encode("utf-8")
    cut = 10  # inside the fourth character's three bytes
    disp1 = "attachment;\r\n filename*0*=utf-8''%s;\r\n filename*1*=%s" % (pct(raw1[:cut]), pct(raw1[cut:]))
    disp2 = "attachment; filename*=UTF-8''%s" % pct(name2.encode("utf-8"))
    disp3 = "attachment; filename*=gbk''%s" % pct(name3.encode("gbk"))
    html = (
        '<div style="font-size:14px">市总工会：<br>南澳县的作品见附件。<br><b>南澳县总工会</b></div>'
    )
    body = leaf('text/html; charset="utf-8"', b64_lines(html.encode("utf-8")), "base64")
    atts = [
        leaf("video/mp4", b64_lines(data(5000, 3)), "base64", [("Content-Disposition", disp1)]),
        leaf("audio/mpeg", b64_lines(data(1200, 4)), "base64", [("Content-Disposition", disp2)]),
        leaf("text/plain", b64_lines(data(300, 5)), "base64", [("Content-Disposition", disp3)]),
    ]
    m = multipart(
        "mixed",
        "----=_NextPart_5F1A_qq_0001",
        [body] + atts,
        [
            ("From", '"=?utf-8?B?%s?=" <nanao_zgh@qq.com>' % base64.b64encode("南澳县总工会".encode()).decode()),
            ("To", '"=?utf-8?B?%s?=" <1718755663@qq.com>' % base64.b64encode("汕头市总工会".encode()).decode()),
            ("Subject", "=?utf-8?B?%s?=" % base64.b64encode("南澳县 作品报送".encode()).decode()),
            ("Date", "Wed, 11 Jun 2025 16:05:00 +0800"),
            ("Message-ID", "<tencent_3A7C1F0E2B@qq.com>"),
            ("In-Reply-To", "<baosong.1.1.aabbccddeeff@qq.com>"),
        ],
    )
    return as_bytes(m), {name1: data(5000, 3), name2: data(1200, 4), name3: data(300, 5)}


def outlook():
    # Outlook (Chinese Windows): gb2312 names in Q-encoded words, a quoted-printable gb2312
    # body, and a picture named only by Content-Type's name= (no Content-Disposition).
    name1 = "龙湖区-摄影-海滨晨曦.jpg"
    name2 = "报名表.xls"
    text = "您好：\r\n\r\n龙湖区的报名表和摄影作品请查收。=谢谢\r\n" + "很长的一行" * 20 + "\r\n"
    body = leaf(
        'text/plain; charset="gb2312"',
        quopri.encodestring(text.encode("gb2312").replace(b"\r\n", b"\n")).decode("ascii").replace("\n", "\r\n"),
        "quoted-printable",
    )
    atts = [
        leaf('image/jpeg; name="%s"' % _q(name1, "gb2312"), b64_lines(data(2048, 6)), "base64"),
        leaf(
            'application/vnd.ms-excel; name="%s"' % _q(name2, "gb2312"),
            b64_lines(data(900, 7)),
            "base64",
            [("Content-Disposition", 'attachment; filename="%s"' % _q(name2, "gb2312"))],
        ),
    ]
    m = multipart(
        "mixed",
        "_000_outlook_mixed_01_",
        [body] + atts,
        [
            ("From", "%s <longhu@example.cn>" % _q("龙湖区总工会", "gb2312")),
            ("To", "<1718755663@qq.com>"),
            ("Subject", _q("龙湖区报送", "gb2312")),
            ("Date", "Thu, 12 Jun 2025 08:00:00 +0000"),
            ("Message-ID", "<SG2PR01MB1234.apcprd01.prod.outlook.com>"),
        ],
    )
    return as_bytes(m), {name1: data(2048, 6), name2: data(900, 7)}


def raw_8bit():
    # A client that writes names as raw 8-bit bytes in the header: one part in UTF-8, one in
    # GBK (the placeholders are replaced by the raw bytes after generation).
    name_utf8 = "濠江区-书法-天道酬勤.pdf"
    name_gbk = "澄海区-诵读-我和我的祖国.mp3"
    text = "附件两个。\r\n"
    body = leaf('text/plain; charset="utf-8"', raw8(text), "8bit")
    atts = [
        leaf(
            'application/pdf; name="@@UTF8NAME@@"',
            b64_lines(data(1500, 8)),
            "base64",
            [("Content-Disposition", 'attachment; filename="@@UTF8NAME@@"')],
        ),
        leaf(
            'audio/mpeg; name="@@GBKNAME@@"',
            b64_lines(data(800, 9)),
            "base64",
            [("Content-Disposition", 'attachment; filename="@@GBKNAME@@"')],
        ),
    ]
    m = multipart(
        "mixed",
        "raw8bit_boundary_01",
        [body] + atts,
        [
            ("From", "@@FROMNAME@@ <haojiang@example.cn>"),
            ("To", "1718755663@qq.com"),
            ("Subject", "@@SUBJECT@@"),
            ("Date", "Fri, 13 Jun 2025 10:00:00 +0800"),
            ("Message-ID", "<raw8bit.1@example.cn>"),
        ],
    )
    out = as_bytes(m)
    out = out.replace(b"@@UTF8NAME@@", name_utf8.encode("utf-8"))
    out = out.replace(b"@@GBKNAME@@", name_gbk.encode("gbk"))
    out = out.replace(b"@@FROMNAME@@", "濠江区总工会".encode("utf-8"))
    out = out.replace(b"@@SUBJECT@@", "濠江区 作品".encode("utf-8"))
    return out, {name_utf8: data(1500, 8), name_gbk: data(800, 9)}


def qq_ftn_notice():
    # QQ Mail's 超大附件: the files are not in the message; the text names each one with its
    # size and expiry, and links to its download page (the new wx.mail.qq.com/ftn form and the
    # older cgi-bin/ftnExs_download form).
    link1 = "https://wx.mail.qq.com/ftn/download?func=3&k=5a1b2c3d4e5f&key=0f1e2d3c4b5a&code=ab12cd34"
    link2 = "http://mail.qq.com/cgi-bin/ftnExs_download?k=7b6a5948&t=exs_ftn_download&code=99887766"
    text = (
        "市总工会：\r\n金平区的两个视频文件较大，用超大附件发送。\r\n\r\n"
        "从QQ邮箱发来的超大附件\r\n\r\n"
        "金平区-微视频-匠心.mp4 (1.17G, 2025年07月10日 09:30 到期)\r\n"
        "进入下载页面：%s\r\n\r\n"
        "金平区-微视频-守护.mov (312.45M, 2025年07月10日 09:30 到期)\r\n"
        "进入下载页面：%s\r\n" % (link1, link2)
    )
    html = (
        "<div>市总工会：<br>金平区的两个视频文件较大，用超大附件发送。</div>"
        '<div style="border:1px solid #ccc"><div>从QQ邮箱发来的超大附件</div>'
        '<div><span>金平区-微视频-匠心.mp4</span> <span>(1.17G, 2025年07月10日 09:30 到期)</span>'
        '<a href="%s">进入下载页面</a></div>'
        '<div><span>金平区-微视频-守护.mov</span> <span>(312.45M, 2025年07月10日 09:30 到期)</span>'
        '<a href="%s">进入下载页面</a></div></div>' % (link1.replace("&", "&amp;"), link2.replace("&", "&amp;"))
    )
    m = multipart(
        "alternative",
        "----=_NextPart_qq_ftn_01",
        [
            leaf('text/plain; charset="utf-8"', b64_lines(text.encode()), "base64"),
            leaf('text/html; charset="utf-8"', b64_lines(html.encode()), "base64"),
        ],
        [
            ("From", "=?utf-8?B?%s?= <jinping_zgh@qq.com>" % base64.b64encode("金平区总工会".encode()).decode()),
            ("To", "1718755663@qq.com"),
            ("Subject", "=?utf-8?B?%s?=" % base64.b64encode("金平区 超大附件".encode()).decode()),
            ("Date", "Tue, 10 Jun 2025 09:31:00 +0800"),
            ("Message-ID", "<tencent_FTN_0001@qq.com>"),
        ],
    )
    return as_bytes(m), {}


def netease_large():
    # NetEase (163) 超大附件: an HTML-only message; each file in a table with its size and a
    # link to mail.163.com's large-attachment download page.
    link = "https://mail.163.com/large-attachment-download/index.html?p=X-NETEASE-HUGE-ATTACHMENT.abc123&file=def456"
    html = (
        "<p>超大附件已上传，请下载：</p>"
        "<p>从网易163邮箱发来的超大附件</p>"
        "<table><tr><td>潮阳区-摄影-练江新貌.zip</td><td>1.5G</td>"
        '<td><a href="%s">下载</a></td></tr></table>' % link.replace("&", "&amp;")
    )
    m = Message()
    m["From"] = "chaoyang@163.com"
    m["To"] = "1718755663@qq.com"
    m["Subject"] = "=?GBK?B?%s?=" % base64.b64encode("潮阳区超大附件".encode("gbk")).decode()
    m["Date"] = "Sat, 14 Jun 2025 11:11:11 +0800"
    m["Message-ID"] = "<4b3a2c1d.163.0001@163.com>"
    m["MIME-Version"] = "1.0"
    m["Content-Type"] = 'text/html; charset="GBK"'
    m["Content-Transfer-Encoding"] = "base64"
    m.set_payload(b64_lines(html.encode("gbk")))
    return as_bytes(m), {}


def nested_and_odd():
    # A forwarded message kept whole as message/rfc822, a GBK text attachment whose bytes must
    # come back unconverted, a part with no name at all, a Date without a weekday, and a
    # multipart whose closing delimiter line is missing (the message was cut short).
    inner = Message()
    inner["From"] = "a@example.cn"
    inner["Subject"] = "inner"
    inner["Content-Type"] = "text/plain; charset=utf-8"
    inner["Content-Transfer-Encoding"] = "base64"
    inner.set_payload(b64_lines("内层邮件\r\n".encode("utf-8")))
    inner_bytes = as_bytes(inner)
    txt = "说明：GBK 文本附件\r\n".encode("gbk")
    fwd = Message()
    fwd["Content-Type"] = "message/rfc822"
    fwd["Content-Disposition"] = 'attachment; filename="forwarded.eml"'
    fwd.set_payload(inner_bytes.decode("ascii"))
    parts = [
        leaf('text/plain; charset="utf-8"', raw8("转发一封邮件。\r\n"), "8bit"),
        fwd,
        leaf(
            'text/plain; charset="gbk"; name="readme-gbk.txt"',
            b64_lines(txt),
            "base64",
            [("Content-Disposition", 'attachment; filename="readme-gbk.txt"')],
        ),
        leaf("application/octet-stream", b64_lines(data(256, 10)), "base64"),
    ]
    m = multipart(
        "mixed",
        "odd_boundary_01",
        parts,
        [
            ("From", "test@example.cn"),
            ("To", "1718755663@qq.com"),
            ("Subject", "odd"),
            ("Date", "14 Jun 2025 23:59:59 -0000"),
            ("Message-ID", "<odd.1@example.cn>"),
        ],
    )
    out = as_bytes(m)
    out = out.replace(b"--odd_boundary_01--", b"")
    return out, {"forwarded.eml": inner_bytes, "readme-gbk.txt": txt}


def mislabelled():
    # A GBK body labelled UTF-8 (seen from Foxmail with a wrong default, and in test corpora
    # as Latin-1 labelled UTF-8), beside a GBK body with no charset at all, sent 8-bit.
    labelled = leaf(
        'text/plain; charset="utf-8"',
        quopri.encodestring("龙湖区：作品已发送，请查收。\n".encode("gbk")).decode("ascii").replace("\n", "\r\n"),
        "quoted-printable",
    )
    bare = leaf("text/plain", "@@GBKBODY@@\r\n", "8bit")
    m = multipart(
        "mixed",
        "mislabelled_01",
        [labelled, bare],
        [
            ("From", "longhu@example.cn"),
            ("To", "1718755663@qq.com"),
            ("Subject", "mislabelled"),
            ("Date", "Sun, 15 Jun 2025 10:00:00 +0800"),
            ("Message-ID", "<mislabelled.1@example.cn>"),
        ],
    )
    out = as_bytes(m).replace(b"@@GBKBODY@@", "第二段：没有声明字符集。".encode("gbk"))
    return out, {}


FIXTURES = {
    "foxmail-gbk.eml": foxmail,
    "qq-webmail.eml": qq_webmail,
    "outlook-q.eml": outlook,
    "raw-8bit.eml": raw_8bit,
    "qq-ftn-notice.eml": qq_ftn_notice,
    "netease-large.eml": netease_large,
    "nested-and-odd.eml": nested_and_odd,
    "mislabelled-gbk.eml": mislabelled,
}


def main():
    out_dir = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
    os.makedirs(out_dir, exist_ok=True)
    expected = {}
    for name, make in FIXTURES.items():
        raw, files = make()
        with open(os.path.join(out_dir, name), "wb") as f:
            f.write(raw)
        # What each attachment must be, for the test to compare with.
        expected[name] = [
            {"name": fname, "size": len(content), "sha256": hashlib.sha256(content).hexdigest()}
            for fname, content in files.items()
        ]
    with open(os.path.join(out_dir, "expected.json"), "w", encoding="utf-8") as f:
        json.dump(expected, f, ensure_ascii=False, indent=1, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
