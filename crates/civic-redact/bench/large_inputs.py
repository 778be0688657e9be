# Generates large synthetic inputs for the memory measurements in
# docs/benchmarks/redaction.md ("Memory and large inputs"):
#   python3 large_inputs.py csv|eml|eml-text|docx|docx-paragraph|jsonl|text PATH BYTES
# Values are synthetic (fixed seed); attachments and images are random bytes.
import random, sys, zipfile, base64, os
random.seed(7)
first=["Sarah","David","Mohammed","Olivia","James","Priya","Thomas","Grace","Oliver","Amelia"]
last=["Jones","Smith","Khan","Taylor","Brown","Patel","Evans","Wilson","Wright","Walker"]
streets=["Mill Lane","High Street","Station Road","Church Road","Park Avenue"]
towns=["Leeds","Bristol","Croydon","Salford","Norwich"]
pcs=["LS1 4AP","BS1 5TR","CR0 2AB","M5 4WT","NR1 3QU"]
def person(): return random.choice(first)+" "+random.choice(last)
def phone(): return "07700 900%03d"%random.randint(0,999)
def note():
    k=random.randint(0,3)
    if k==0: return f"Rang {person()} on {phone()} about the missed bin collection"
    if k==1: return f"Mr {person()} of {random.randint(1,200)} {random.choice(streets)}, {random.choice(towns)} {random.choice(pcs)} wrote in"
    if k==2: return f"Email {random.choice(first).lower()}.{random.choice(last).lower()}@example.com re: case reference {random.randint(10000,99999)}"
    return "Noise complaint, no further action, reviewed by the team"
def csv(path, size):
    with open(path,"w") as f:
        f.write("case_id,name,notes,phone,score\n")
        n=0; i=0
        while n<size:
            i+=1
            line=f'{i},{person()},"{note()}",{phone()},{random.random():.3f}\n'
            f.write(line); n+=len(line)
def text_block(size):
    parts=[]; n=0
    while n<size:
        p=note()+".\n"
        if random.random()<0.2: p+="\n"
        parts.append(p); n+=len(p)
    return "".join(parts)
def eml(path, body_size, attach_size):
    with open(path,"w", newline="") as f:
        f.write("From: Sarah Jones <sarah.jones@example.com>\r\nTo: Housing Team <housing@council.example.gov.uk>\r\nSubject: Complaint from David Smith\r\nDate: Tue, 24 Nov 2026 10:00:00 +0000\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"BOUNDARY\"\r\n\r\n")
        f.write("--BOUNDARY\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n")
        f.write(text_block(body_size).replace("\n","\r\n"))
        f.write("\r\n--BOUNDARY\r\nContent-Type: application/pdf; name=\"evidence.pdf\"\r\nContent-Disposition: attachment; filename=\"evidence.pdf\"\r\nContent-Transfer-Encoding: base64\r\n\r\n")
        raw=os.urandom(attach_size)
        b=base64.encodebytes(raw).decode().replace("\n","\r\n")
        f.write(b)
        f.write("\r\n--BOUNDARY--\r\n")
CT='<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>'
RELS='<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>'
def docx(path, size, one_paragraph=False):
    parts=['<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>']
    if one_paragraph: parts.append('<w:p>')
    n=0
    while n<size:
        t=note()
        cut=random.randint(1,len(t)-1)
        p=f'<w:r><w:t xml:space="preserve">{t[:cut]}</w:t></w:r><w:r><w:rPr><w:b/></w:rPr><w:t xml:space="preserve">{t[cut:]}. </w:t></w:r>'
        if not one_paragraph: p='<w:p>'+p+'</w:p>'
        parts.append(p); n+=len(p)
    if one_paragraph: parts.append('</w:p>')
    parts.append('<w:sectPr/></w:body></w:document>')
    with zipfile.ZipFile(path,"w",zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml",CT)
        z.writestr("_rels/.rels",RELS)
        z.writestr("word/document.xml","".join(parts))
        z.writestr("word/media/image1.bin", os.urandom(size//4))
kind=sys.argv[1]; path=sys.argv[2]; size=int(sys.argv[3])
if kind=="csv": csv(path,size)
elif kind=="eml": eml(path,size//5,int(size*0.8*3/4))
elif kind=="eml-text": eml(path,size,0)  # all of it a text body, no attachment
elif kind=="docx": docx(path,size)
elif kind=="docx-paragraph": docx(path,size,one_paragraph=True)  # the whole body one paragraph
if kind=="jsonl":
    import json
    with open(path,"w") as f:
        f.write(json.dumps({"id":1,"text":text_block(size)})+"\n")
        f.write(json.dumps({"id":2,"text":"Short note for Sarah Jones."})+"\n")
if kind=="text":
    with open(path,"w") as f: f.write(text_block(size))
