#!/usr/bin/env bash
# Makes the seed corpus of one fuzz target: a few small real inputs, generated here (nothing
# binary is kept in git).
#
#   seed.sh TARGET DIR
#
# probe:        the media the probing tests make (tests/fixtures/make-media.sh, needs ffmpeg),
#               each cut to its first 64 KiB (the header parser's part);
# registration: 报名表 as xlsx (zip of XML parts), xls (perl Spreadsheet::WriteExcel, when
#               installed), CSV in UTF-8, UTF-8 with BOM, GBK and UTF-16LE, tab-separated text;
# campaign:     the shipped campaign files (assets/campaigns/*.toml);
# plan:         a few fixed pseudo-random byte strings (the target derives its input from them).
set -euo pipefail

target=${1:?usage: seed.sh TARGET DIR}
out=${2:?usage: seed.sh TARGET DIR}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
mkdir -p "$out"

case "$target" in
probe)
    media="$here/target/seed-media"
    if command -v ffmpeg >/dev/null && command -v python3 >/dev/null; then
        nice -n 19 bash "$root/tests/fixtures/make-media.sh" "$media" >/dev/null
        for f in "$media"/*; do
            [ -f "$f" ] && head -c 65536 "$f" >"$out/$(basename "$f")"
        done
    else
        echo "seed.sh: no ffmpeg/python3: the probe starts from a tiny hand-made corpus" >&2
    fi
    # Always: the smallest headers of each kind.
    printf '\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2' >"$out/ftyp-only.mp4"
    printf '\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10\x00\x00\x00\x10\x08\x02\x00\x00\x00' >"$out/ihdr.png"
    printf 'RIFF\x24\x00\x00\x00WAVEfmt \x10\x00\x00\x00\x01\x00\x01\x00\x44\xac\x00\x00\x88\x58\x01\x00\x02\x00\x10\x00data\x00\x00\x00\x00' >"$out/empty.wav"
    printf '\xff\xd8\xff\xd9' >"$out/soi-eoi.jpg"
    ;;
registration)
    python3 - "$out" <<'PY'
import sys, zipfile, io, os
out = sys.argv[1]
header = ["序号", "作品名称", "作者", "推荐单位", "联系电话", "作品类别", "文件名"]
rows = [
    ["1", "光荣劳动者", "张三", "金平区总工会", "13800138000", "微视频", "劳动者.mp4"],
    ["2", "红色家书", "王五、李四", "龙湖区总工会", "0754-88888888", "诵读", "家书.mp3"],
    ["注：", "每人限报一件", "", "", "", "", ""],
]
def delimited(sep):
    return "\r\n".join(sep.join(r) for r in [header] + rows) + "\r\n"
open(os.path.join(out, "utf8.csv"), "wb").write(delimited(",").encode("utf-8"))
open(os.path.join(out, "bom.csv"), "wb").write(b"\xef\xbb\xbf" + delimited(",").encode("utf-8"))
open(os.path.join(out, "gbk.csv"), "wb").write(delimited(",").encode("gbk"))
open(os.path.join(out, "utf16.txt"), "wb").write(b"\xff\xfe" + delimited("\t").encode("utf-16-le"))
open(os.path.join(out, "tabs.tsv"), "wb").write(('"标题行"\n\n' + delimited("\t")).encode("utf-8"))

def cell(ref, text):
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'
def col(i):
    return "ABCDEFGHIJ"[i]
sheet = ['<dimension ref="A1:G5"/><sheetData>']
sheet.append('<row r="1">' + cell("A1", "2023年汕头好网民作品报名表") + "</row>")
for r, values in enumerate([header] + rows, start=2):
    sheet.append(f'<row r="{r}">' + "".join(cell(f"{col(i)}{r}", v) for i, v in enumerate(values)) + "</row>")
sheet.append('</sheetData><mergeCells count="1"><mergeCell ref="A1:G1"/></mergeCells>')
sst = ('<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1"><si><t>作品名称</t></si></sst>')
def xlsx(name, sheet_xml, shared=False, method=zipfile.ZIP_DEFLATED):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", method) as z:
        z.writestr("[Content_Types].xml", '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>')
        z.writestr("_rels/.rels", '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>')
        z.writestr("xl/workbook.xml", '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="报名表" sheetId="1" r:id="rId1"/></sheets></workbook>')
        rels = '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
        if shared:
            rels += '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>'
            z.writestr("xl/sharedStrings.xml", sst)
        z.writestr("xl/_rels/workbook.xml.rels", rels + "</Relationships>")
        z.writestr("xl/worksheets/sheet1.xml", '<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">' + "".join(sheet_xml) + "</worksheet>")
    open(os.path.join(out, name), "wb").write(buf.getvalue())
xlsx("inline.xlsx", sheet)
# Stored, so that mutations reach the XML (a deflated part is mostly noise to the fuzzer).
xlsx("inline-stored.xlsx", sheet, method=zipfile.ZIP_STORED)
xlsx("shared.xlsx", ['<sheetData><row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="inlineStr"><is><t>作者</t></is></c></row><row r="2"><c r="A2" t="inlineStr"><is><t>光荣</t></is></c><c r="B2" t="n"><v>12</v></c></row></sheetData>'], shared=True)
PY
    if perl -MSpreadsheet::WriteExcel -e 1 2>/dev/null; then
        perl - "$out/writeexcel.xls" <<'PERL'
use utf8;
use Spreadsheet::WriteExcel;
my $wb = Spreadsheet::WriteExcel->new($ARGV[0]) or die "cannot create";
my $ws = $wb->add_worksheet('报名表');
$ws->merge_range(0, 0, 0, 3, '2023年报名表', $wb->add_format());
$ws->write_row(1, 0, ['序号', '作品名称', '作者', '推荐单位']);
$ws->write_row(2, 0, [1, '光荣劳动者', '张三', '金平区总工会']);
$ws->write_row(3, 0, [2, '红色家书', '王五']);
$wb->close() or die "cannot close";
PERL
    else
        echo "seed.sh: no perl Spreadsheet::WriteExcel: no .xls seed" >&2
    fi
    ;;
campaign)
    cp "$root"/assets/campaigns/*.toml "$out/"
    ;;
plan)
    python3 - "$out" <<'PY'
import random, sys, os
rng = random.Random(15)
for n in (16, 64, 256, 1024):
    open(os.path.join(sys.argv[1], f"random-{n}"), "wb").write(bytes(rng.randrange(256) for _ in range(n)))
PY
    ;;
*)
    echo "seed.sh: unknown target $target" >&2
    exit 2
    ;;
esac
