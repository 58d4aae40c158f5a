#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
# Writes the binary fixtures of tests/unit/test-classify.c into this directory. The outputs
# are committed; run this again only to change them. Needs python3 (zipfile, zlib) and, for
# encrypted.zip only, Info-ZIP `zip` (a real traditional-PKWARE-encrypted archive).
# Every identifier here is synthetic: a made-up payload with a computed check digit.
import io
import os
import struct
import subprocess
import sys
import zipfile
import zlib

here = os.path.dirname(os.path.abspath(__file__))


def check_digit(payload):
    # 総務省令第八十五号 第五条 (My Number) and 平成14年総務省告示第436号 (resident code)
    s = 0
    for n in range(1, len(payload) + 1):
        p = int(payload[-n])
        q = n + 1 if n <= 6 else n - 5
        s += p * q
    r = s % 11
    return '0' if r <= 1 else str(11 - r)


def mynumber(payload11):
    return payload11 + check_digit(payload11)


MN = [mynumber(p) for p in ('12345678901', '98320567321', '31415926535')]
assert MN[0] == '123456789018' and MN[1] == '983205673214'
BAD_MN = '123456789019'
RC = '2472705960' + check_digit('2472705960')
assert RC == '24727059608'

CT = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
      '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
      '<Default Extension="xml" ContentType="application/xml"/></Types>')


def write(name, data):
    with open(os.path.join(here, name), 'wb') as f:
        f.write(data)


def zbytes(entries, compression=zipfile.ZIP_DEFLATED):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, 'w', compression) as z:
        for n, d in entries:
            zi = zipfile.ZipInfo(n, date_time=(2026, 1, 1, 0, 0, 0))
            zi.compress_type = compression
            z.writestr(zi, d)
    return buf.getvalue()


def xlsx(shared, cells):
    ss = ''.join('<si><t>%s</t></si>' % s for s in shared)
    rows = ''.join('<row r="%d"><c r="A%d"><v>%s</v></c></row>' % (i + 1, i + 1, v)
                   for i, v in enumerate(cells))
    return zbytes([
        ('[Content_Types].xml', CT),
        ('xl/workbook.xml', '<workbook><sheets><sheet name="s" sheetId="1"/></sheets></workbook>'),
        ('xl/sharedStrings.xml',
         '<sst count="%d">%s</sst>' % (len(shared), ss)),
        ('xl/worksheets/sheet1.xml', '<worksheet><sheetData>%s</sheetData></worksheet>' % rows),
    ])


def docx(paragraphs, extra=()):
    body = ''.join('<w:p>%s</w:p>' % ''.join(
        '<w:r><w:rPr><w:b/></w:rPr><w:t>%s</w:t></w:r>' % run for run in p) for p in paragraphs)
    return zbytes([
        ('[Content_Types].xml', CT),
        ('word/document.xml',
         '<?xml version="1.0"?><w:document xmlns:w="x"><w:body>%s</w:body></w:document>' % body),
        ('word/media/image1.png', b'\x89PNG\r\n\x1a\n' + b'1234567890181234' * 4),
    ] + list(extra))


# Shift_JIS (CP932) CSV with a My Number column
csv = '氏名,個人番号,備考\r\n' + ''.join('職員%d,%s,テスト\r\n' % (i, n) for i, n in enumerate(MN))
write('sjis-mynumber.csv', csv.encode('cp932'))
write('sjis-marking.csv', '件名,区分\r\n入札予定価格,取扱注意\r\n'.encode('cp932'))
write('sjis-plain.csv', '件名,数量\r\n鉛筆,120\r\n消しゴム,35\r\n'.encode('cp932'))

# xlsx: My Numbers as shared strings and as numeric cells
write('personal.xlsx', xlsx(['氏名', '個人番号', '山田太郎'], [MN[0], MN[1], '42']))
write('plain.xlsx', xlsx(['品名', '数量'], ['120', '35', BAD_MN]))
# two cells "1234" "56789018" must not read as one number
write('split-cells.xlsx', xlsx(['番号'], ['1234', '56789018']))

# docx: a number split over two runs of one paragraph is one number
write('personal.docx', docx([['個人番号: ', MN[0][:5], MN[0][5:]], ['以上']]))
write('plain.docx', docx([['会議のお知らせ'], ['日時: 2026年1月15日 10:00']]))
write('marking.docx', docx([['【取扱注意】入札仕様書']]))
write('malformed-xml.docx', zbytes([('[Content_Types].xml', CT),
                                    ('word/document.xml', '<w:document><w:body><w:p>&bogus;</w:p>')]))
# a docx whose embedded workbook (as charts are stored) holds the personal data
write('embedded.docx', docx([['グラフ']], [('word/embeddings/Microsoft_Excel_Worksheet.xlsx',
                                             xlsx(['個人番号'], [MN[2]]))]))

# pptx
write('personal.pptx', zbytes([
    ('[Content_Types].xml', CT),
    ('ppt/slides/slide1.xml', '<p:sld><p:cSld><p:spTree><p:sp><p:txBody><a:p><a:r><a:t>'
     'マイナンバー %s</a:t></a:r></a:p></p:txBody></p:sp></p:spTree></p:cSld></p:sld>' % MN[1]),
]))

# OOXML whose parts carry the "encrypted" flag (general purpose bit 0): a reader must
# refuse to read them as plain deflate.
good = bytearray(docx([['取扱注意']]))
i = 0
while True:
    i = good.find(b'PK\x03\x04', i)
    if i < 0:
        break
    struct.pack_into('<H', good, i + 6, struct.unpack_from('<H', good, i + 6)[0] | 1)
    i += 4
i = 0
while True:
    i = good.find(b'PK\x01\x02', i)
    if i < 0:
        break
    struct.pack_into('<H', good, i + 8, struct.unpack_from('<H', good, i + 8)[0] | 1)
    i += 4
write('encrypted-entries.docx', bytes(good))

# an encrypted entry whose name would paint the terminal and forge a line
b = bytearray(zbytes([('x\x1b[31m\\y\nClass III.txt', b'data')]))
for sig, off in ((b'PK\x03\x04', 6), (b'PK\x01\x02', 8)):
    i = b.find(sig)
    struct.pack_into('<H', b, i + off, struct.unpack_from('<H', b, i + off)[0] | 1)
write('evil-name.zip', bytes(b))

# An encrypted OOXML as Office writes it: an OLE compound file with EncryptionInfo and
# EncryptedPackage streams. Only the parts a classifier looks at are real: the OLE signature
# and the UTF-16LE stream names in a directory sector.
ole = bytearray(b'\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1' + b'\0' * 504)
for name in ('EncryptionInfo', 'EncryptedPackage'):
    ent = name.encode('utf-16-le') + b'\0\0'
    ole += ent + b'\0' * (128 - len(ent))
ole += os.urandom(0) + bytes(range(256)) * 4
write('ole-encrypted.xlsx', bytes(ole))
legacy = bytearray(b'\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1' + b'\0' * 504)
ent = 'Workbook'.encode('utf-16-le') + b'\0\0'
legacy += ent + b'\0' * (128 - len(ent))
write('legacy.xls', bytes(legacy))

# Zip bombs. 1: an entry that declares 1 TiB uncompressed (patched sizes): refused from the
# directory without inflating anything.
b = bytearray(zbytes([('data.txt', b'0' * 1000)]))
for sig, off in ((b'PK\x03\x04', 22), (b'PK\x01\x02', 24)):
    i = b.find(sig)
    struct.pack_into('<I', b, i + off, 0xFFFFFFF0)
write('bomb-declared.zip', bytes(b))
# 2: honest sizes, 64 MiB of zeros (about 64 KiB compressed); with a small archive-budget
# the classifier must stop while inflating.
write('bomb-inflate.zip', zbytes([('zeros.txt', b'\0' * (64 << 20))]))
# 2b: the same, lying: both headers say 1000 bytes, the deflate stream holds 64 MiB
b = bytearray(zbytes([('zeros.txt', b'\0' * (64 << 20))]))
for sig, off in ((b'PK\x03\x04', 22), (b'PK\x01\x02', 24)):
    i = b.find(sig)
    struct.pack_into('<I', b, i + off, 1000)
write('bomb-lying.zip', bytes(b))
# 2c: a small archive whose end record declares 60000 entries
b = bytearray(zbytes([('a.txt', b'x')]))
i = b.rfind(b'PK\x05\x06')
struct.pack_into('<HH', b, i + 8, 60000, 60000)
write('bomb-entries.zip', bytes(b))
# 3: nested four deep
inner = zbytes([('note.txt', '取扱注意'.encode())])
for d in range(4):
    inner = zbytes([('level%d.zip' % d, inner)])
write('nested-deep.zip', inner)
# a generic (non-Office) zip holding a UTF-8 and a Shift_JIS text
write('generic.zip', zbytes([('a/list.txt', ('個人番号 %s\n' % MN[0]).encode()),
                             ('b/memo.csv', '取扱注意\r\n'.encode('cp932'))]))
# a large Shift_JIS entry (streamed, not held whole) with the finding at its end
write('generic-large.zip', zbytes([('big.csv', ('あいうえお,12345\r\n' * 20000 + '個人番号,%s\r\n' % MN[1])
                                                .encode('cp932'))]))
# truncated archive
write('truncated.xlsx', xlsx(['x'], ['1'])[:200])

# A real encrypted zip (traditional PKWARE) made by Info-ZIP.
tmp = os.path.join(here, 'secret.txt')
with open(tmp, 'w') as f:
    f.write('個人番号 %s\n' % MN[0])
out = os.path.join(here, 'encrypted.zip')
if os.path.exists(out):
    os.unlink(out)
try:
    subprocess.run(['zip', '-q', '-j', '-X', '-P', 'secret', out, tmp], check=True)
except FileNotFoundError:
    sys.exit('zip is needed for encrypted.zip')
finally:
    os.unlink(tmp)
