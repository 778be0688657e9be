"""Writes SIZE bytes of made-up case notes to PATH, each line with a name and
a phone number (a fixed seed, so every run gets the same text): the web
redaction benchmarks' document. Usage: python3 case_notes.py PATH SIZE"""
import random
import sys

r = random.Random(7)
names = ["John Smith", "Priya Patel", "Kwame Mensah", "Sarah Thompson", "Ahmed Khan"]
target = int(sys.argv[2])
with open(sys.argv[1], "w") as f:
    n = 0
    i = 0
    while n < target:
        line = f"Case {i}: spoke to {r.choice(names)} on 020 7946 {r.randrange(10000):04d} about the repairs at the flat.\n"
        f.write(line)
        n += len(line)
        i += 1
