//! Data-driven detector tests: each case is a text, and the (label, value)
//! pairs the default analyzer must find — no more, no fewer. Hard
//! negatives are cases that must find nothing.

use civic_redact::{Analyzer, Label};

fn check(cases: &[(&str, &[(Label, &str)])]) {
    let analyzer = Analyzer::default();
    let mut failures = Vec::new();
    for (text, want) in cases {
        let got: Vec<(Label, &str)> = analyzer
            .analyze(text)
            .iter()
            .map(|d| (d.label, d.value(text)))
            .collect();
        if got != *want {
            failures.push(format!("{text:?}\n   want {want:?}\n    got {got:?}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} case(s) failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

use Label::*;

#[test]
fn nhs_numbers_need_mod11_and_context_or_grouping() {
    check(&[
        ("NHS number 943 476 5919.", &[(NhsNumber, "943 476 5919")]),
        ("NHS No: 9434765919", &[(NhsNumber, "9434765919")]),
        (
            "Her number is 943 476 5919.",
            &[(NhsNumber, "943 476 5919")],
        ),
        // Fails mod-11.
        ("NHS number 943 476 5918.", &[]),
        // Passes mod-11 but is a bare run with no NHS context: an order number.
        ("Order 9434765919 has been dispatched.", &[]),
        // Context in a previous sentence does not count.
        ("NHS number withheld. Order 9434765919 was sent.", &[]),
    ]);
}

#[test]
fn ni_numbers_follow_hmrc_prefix_rules() {
    check(&[
        ("NI number JH 12 34 56 C", &[(Nino, "JH 12 34 56 C")]),
        ("Her NINO is AB123456C.", &[(Nino, "AB123456C")]),
        (
            "National Insurance: ab-12-34-56-d",
            &[(Nino, "ab-12-34-56-d")],
        ),
        ("Claimant JH123456 attended.", &[(Nino, "JH123456")]),
        // Unallocated prefixes and excluded letters.
        ("Ref QQ123456C", &[]),
        ("Ref ZZ123456C", &[]),
        ("Ref GB123456A", &[]),
        ("Ref DA123456A", &[]),
        ("Ref AO123456A", &[]),
        // Lower case without context is not a NINO.
        ("code ab123456c", &[]),
    ]);
}

#[test]
fn cards_need_luhn_and_an_issuer_range() {
    check(&[
        (
            "Card 4111 1111 1111 1111",
            &[(CardNumber, "4111 1111 1111 1111")],
        ),
        (
            "paid with 5555-5555-5555-4444",
            &[(CardNumber, "5555-5555-5555-4444")],
        ),
        ("amex 378282246310005", &[(CardNumber, "378282246310005")]),
        // Luhn fails.
        ("Card 4111 1111 1111 1112", &[]),
        // Luhn passes but no issuer has this range.
        ("Tracking 1234 5678 9012 3452", &[]),
    ]);
}

#[test]
fn ibans_need_mod97_and_country_length() {
    check(&[
        (
            "IBAN GB82 WEST 1234 5698 7654 32",
            &[(Iban, "GB82 WEST 1234 5698 7654 32")],
        ),
        (
            "to GB82WEST12345698765432 today",
            &[(Iban, "GB82WEST12345698765432")],
        ),
        (
            "IBAN GB82WEST12345698765432 THANKS",
            &[(Iban, "GB82WEST12345698765432")],
        ),
        ("IBAN GB82WEST12345698765433", &[]),
    ]);
}

#[test]
fn sort_codes_and_accounts_need_bank_context() {
    check(&[
        (
            "Sort code 20-00-00, account number 55779911.",
            &[(SortCode, "20-00-00"), (AccountNumber, "55779911")],
        ),
        (
            "sort code 200000 acc no 55779911",
            &[(SortCode, "200000"), (AccountNumber, "55779911")],
        ),
        // Dates and invoice numbers look the same without context.
        ("Seen 12-05-23. Invoice number 55779911 was paid.", &[]),
    ]);
}

#[test]
fn uk_phone_numbers_are_parsed_for_gb() {
    check(&[
        ("Call 020 7946 0958", &[(Phone, "020 7946 0958")]),
        (
            "Tel: +44 (0)20 7946 0958.",
            &[(Phone, "+44 (0)20 7946 0958")],
        ),
        ("mobile 07911 123456", &[(Phone, "07911 123456")]),
        ("ring +447911123456", &[(Phone, "+447911123456")]),
        ("landline (0113) 496 0000", &[(Phone, "(0113) 496 0000")]),
        ("Leeds 0113 496 0000", &[(Phone, "0113 496 0000")]),
        // Too short to be a UK number.
        ("Room 0113 496", &[]),
    ]);
}

#[test]
fn postcodes_follow_royal_mail_format_and_areas() {
    check(&[
        ("Leeds LS6 2AB", &[(Postcode, "LS6 2AB")]),
        ("SW1A 2AA", &[(Postcode, "SW1A 2AA")]),
        ("EC1A1BB", &[(Postcode, "EC1A1BB")]),
        ("M1 1AE", &[(Postcode, "M1 1AE")]),
        // No such area; inward code letters C, I, K, M, O, V are never used.
        ("QX1 2AB", &[]),
        ("LS6 2CI", &[]),
    ]);
}

#[test]
fn passports_licences_and_vehicles() {
    check(&[
        (
            "Passport number 123456789 seen.",
            &[(Passport, "123456789")],
        ),
        ("Reference 123456789 seen.", &[]),
        (
            "Driving licence MORGA753116SM9IJ",
            &[(DrivingLicence, "MORGA753116SM9IJ")],
        ),
        (
            "licence MORGA 753116 SM9IJ",
            &[(DrivingLicence, "MORGA 753116 SM9IJ")],
        ),
        // Month 13 cannot be a DVLA birth month.
        ("Code MORGA713116SM9IJ", &[]),
        ("His car AB51 ABC was parked.", &[(VehicleReg, "AB51 ABC")]),
        ("Vehicle reg A123 BCD noted.", &[(VehicleReg, "A123 BCD")]),
        ("registration ABC 123D", &[(VehicleReg, "ABC 123D")]),
        // The older formats need context.
        ("Unit A123 BCD is empty.", &[]),
    ]);
}

#[test]
fn dates_of_birth_need_birth_context() {
    check(&[
        ("DOB: 14/03/1979", &[(DateOfBirth, "14/03/1979")]),
        ("D.O.B. 14/03/1979", &[(DateOfBirth, "14/03/1979")]),
        ("born on 3rd April 1985", &[(DateOfBirth, "3rd April 1985")]),
        ("date of birth 1985-04-03", &[(DateOfBirth, "1985-04-03")]),
        ("on 14/03/1979 (aged 45)", &[(DateOfBirth, "14/03/1979")]),
        ("The meeting is on 12/05/2024.", &[]),
        ("DOB: 31/04/1979", &[]),
    ]);
}

#[test]
fn email_url_and_ip_addresses() {
    check(&[
        (
            "mail jo.bloggs+x@example.co.uk.",
            &[(Email, "jo.bloggs+x@example.co.uk")],
        ),
        (
            "see https://example.org/a?b=c.",
            &[(Url, "https://example.org/a?b=c")],
        ),
        ("from 192.168.1.20 today", &[(IpAddress, "192.168.1.20")]),
        ("from 2001:db8::1.", &[(IpAddress, "2001:db8::1")]),
        ("version 1.2.3.4.5 and 999.1.1.1", &[]),
        ("at 10:30:00 today", &[]),
    ]);
}

#[test]
fn names_from_titles_gazetteers_and_context() {
    check(&[
        ("Dear Mrs Thompson,", &[(Person, "Thompson")]),
        (
            "Spoke to Sarah Thompson today.",
            &[(Person, "Sarah Thompson")],
        ),
        ("From: Keith Hill", &[(Person, "Keith Hill")]),
        ("My name is Xanthe Quirke.", &[(Person, "Xanthe Quirke")]),
        (
            "Kind regards,\nJo Bloggs\nHousing Officer",
            &[(Person, "Jo Bloggs")],
        ),
        ("Cllr Green opened the meeting.", &[(Person, "Green")]),
        ("Elizabeth Green called.", &[(Person, "Elizabeth Green")]),
        // A case note's first word is a verb, not part of the name.
        (
            "Rang Oliver Smith about the bins. Visited Mohammed Khan at home.",
            &[(Person, "Oliver Smith"), (Person, "Mohammed Khan")],
        ),
        // Common words that are also names, and organisations.
        // Surnames with particles, and double-barrelled ones.
        (
            "Mr Piet van der Berg called.",
            &[(Person, "Piet van der Berg")],
        ),
        ("Mr van der Berg called.", &[(Person, "van der Berg")]),
        (
            "Mr James Pemberton-Vance rang.",
            &[(Person, "James Pemberton-Vance")],
        ),
        ("Mrs Pemberton-Vance rang.", &[(Person, "Pemberton-Vance")]),
        ("Ms Ana de la Cruz wrote.", &[(Person, "Ana de la Cruz")]),
        (
            "Spoke to Sarah Smith-Jones today.",
            &[(Person, "Sarah Smith-Jones")],
        ),
        ("Will May come to the Council on Monday?", &[]),
        ("The Housing Options team will call.", &[]),
        ("Dear Sir or Madam,", &[]),
    ]);
}

#[test]
fn addresses_stop_before_their_postcode() {
    check(&[
        (
            "Lives at 12 Oak Road, Headingley, Leeds LS6 2AB.",
            &[
                (Address, "12 Oak Road, Headingley, Leeds"),
                (Postcode, "LS6 2AB"),
            ],
        ),
        (
            "Flat 3, 45 Victoria Street\nBristol\nBS1 6AA",
            &[
                (Address, "Flat 3, 45 Victoria Street\nBristol"),
                (Postcode, "BS1 6AA"),
            ],
        ),
        (
            "Rose Cottage, Mill Lane, Kendal",
            &[(Address, "Rose Cottage, Mill Lane, Kendal")],
        ),
        (
            "68 O'Connor Court, Wigan",
            &[(Address, "68 O'Connor Court, Wigan")],
        ),
        (
            "The Old Rectory, Church Lane, Kendal",
            &[(Address, "The Old Rectory, Church Lane, Kendal")],
        ),
    ]);
}

#[test]
fn north_american_phone_numbers_are_not_nhs_numbers() {
    // 949-833-2800 passes mod-11, like one US number in eleven: all 28 NHS
    // numbers found in the SpamAssassin mail were such numbers.
    check(&[
        ("Call us on 949-833-2800 today.", &[]),
        ("Fax: 949-833-2800", &[]),
        ("Tel 943 476 5919 for the office.", &[]),
        ("Phone +1 949 833 2800 or 1-949-833-2800.", &[]),
        // NHS context still wins, whatever the separators.
        ("NHS number 943-476-5919.", &[(NhsNumber, "943-476-5919")]),
        ("NHS No: 949-833-2800", &[(NhsNumber, "949-833-2800")]),
        // Spaces, the NHS's own grouping, still count without a context word.
        (
            "Her number is 943 476 5919.",
            &[(NhsNumber, "943 476 5919")],
        ),
    ]);
}

#[test]
fn places_countries_offices_and_brands_are_not_people() {
    check(&[
        ("He moved to the Marshall Islands last year.", &[]),
        ("The fall of the Roman Empire was slow.", &[]),
        ("A bill before the U. S. Congress this week.", &[]),
        ("The S. President spoke.", &[]),
        ("She flew to France on Monday.", &[]),
        ("Posted to the FoRK list.", &[]),
        ("Major changes are coming.", &[]),
        ("Pay your Jones Council Tax now.", &[]),
        // Real people beside those words are still found.
        (
            "Spoke to Sarah Thompson about France.",
            &[(Person, "Sarah Thompson")],
        ),
        ("Mrs Ireland called.", &[(Person, "Ireland")]),
        (
            "Mr DeVito and Ms McDonald",
            &[(Person, "DeVito"), (Person, "McDonald")],
        ),
    ]);
}
