//! The concerns the corpus is built from: for each category, sentences written from its
//! definition (docs/safeguarding.md), first-person and about someone else, with slots.
//!
//! Slots: `{who}` an adult third person (pronouns `{he}` `{him}` `{his}` `{self}`),
//! `{partner}` a partner or ex (`{phe}` `{phim}` `{phis}`), `{child}` a child (`{che}`
//! `{chim}` `{chis}`), `{elder}` an adult with care needs (`{ehe}` `{ehim}` `{ehis}`),
//! `{relative}` an adult family member who harms (`{rhe}`), `{place}` a home nearby,
//! `{time}` how often or since when.

use super::super::Category::{self, *};

/// A concern: its categories and its sentence with slots.
pub(super) type Concern = (&'static [Category], &'static str);

pub(super) const CONCERNS: &[Concern] = &[
    // ------------------------------------------------------------- self_harm_suicide
    (
        &[SelfHarmSuicide],
        "I don't want to be alive anymore and I have been thinking about how to end it.",
    ),
    (
        &[SelfHarmSuicide],
        "I feel suicidal {time} and I don't know who else to tell.",
    ),
    (
        &[SelfHarmSuicide],
        "I have been cutting myself again and I am scared I will go too far.",
    ),
    (
        &[SelfHarmSuicide],
        "I took an overdose last night and I still feel really ill.",
    ),
    (
        &[SelfHarmSuicide],
        "Honestly everyone would be better off without me.",
    ),
    (
        &[SelfHarmSuicide],
        "I have saved up my tablets and I am planning to take them all this weekend.",
    ),
    (
        &[SelfHarmSuicide],
        "I can't see any point in going on, I just want it all to stop for good.",
    ),
    (
        &[SelfHarmSuicide],
        "If I get evicted I will kill myself, I mean it.",
    ),
    (
        &[SelfHarmSuicide],
        "I've written letters to my kids to say goodbye.",
    ),
    (
        &[SelfHarmSuicide],
        "Some nights I stand on the bridge and think about jumping.",
    ),
    (
        &[SelfHarmSuicide],
        "I keep hurting myself when things get bad and it is getting worse.",
    ),
    (
        &[SelfHarmSuicide],
        "{who} is threatening to hurt {self} and {he} has locked {self} in the bathroom.",
    ),
    (
        &[SelfHarmSuicide],
        "{who} told me {he} wants to end it all and {he} has been giving {his} things away.",
    ),
    (
        &[SelfHarmSuicide],
        "{who} has taken a load of pills and is not making sense.",
    ),
    (
        &[SelfHarmSuicide],
        "{who} keeps saying {he} would be better off dead.",
    ),
    (
        &[SelfHarmSuicide],
        "{who} has cuts all over {his} arms and says {he} does it on purpose.",
    ),
    (
        &[SelfHarmSuicide],
        "{who} posted a goodbye message online last night and is not answering the door.",
    ),
    (
        &[SelfHarmSuicide],
        "I am worried {who} will take {his} own life, {he} said there is nothing left to live for.",
    ),
    (
        &[SelfHarmSuicide],
        "{who} said {he} is going to jump off the top of the car park.",
    ),
    (
        &[SelfHarmSuicide],
        "{who} has stopped eating and says {he} just wants to disappear forever.",
    ),
    (
        &[SelfHarmSuicide, ChildAtRisk],
        "{child} is self-harming and told a teacher {che} wants to die.",
    ),
    (
        &[SelfHarmSuicide],
        "I'm not going to be around much longer so it won't matter about the rent.",
    ),
    // ------------------------------------------------------------- domestic_abuse
    (
        &[DomesticAbuse],
        "My {partner} hits me when {phe} has been drinking and I need somewhere safe to stay.",
    ),
    (
        &[DomesticAbuse],
        "My {partner} beat me up again last night and I have bruises all over.",
    ),
    (
        &[DomesticAbuse],
        "I am frightened of my {partner}, {phe} controls all the money and takes my bank card.",
    ),
    (
        &[DomesticAbuse],
        "My {partner} won't let me see my friends and checks my phone every night.",
    ),
    (
        &[DomesticAbuse],
        "My {partner} said {phe} will kill me if I leave.",
    ),
    (
        &[DomesticAbuse],
        "I have left my {partner} because of the violence and I have nowhere to stay with the kids.",
    ),
    (
        &[DomesticAbuse],
        "My ex keeps turning up at my door {time} and threatening me, I have a non-molestation order.",
    ),
    (
        &[DomesticAbuse],
        "My {partner} took out loans in my name and I am too scared to say anything.",
    ),
    (
        &[DomesticAbuse],
        "My {partner} pushed me down the stairs and I am scared to go home.",
    ),
    (
        &[DomesticAbuse],
        "My {partner} grabbed me by the throat last week.",
    ),
    (
        &[DomesticAbuse],
        "My family are forcing me to marry a man I have never met.",
    ),
    (
        &[DomesticAbuse],
        "My husband he is beating me every day and take my documents.",
    ),
    (
        &[DomesticAbuse],
        "I need a place in a refuge, I cannot go back to that house.",
    ),
    (
        &[DomesticAbuse],
        "My son is 19 and he hits me and takes my pension.",
    ),
    (
        &[DomesticAbuse],
        "Things are not good at home, {phe} gets angry and I am scared.",
    ),
    (
        &[DomesticAbuse],
        "I'm walking on eggshells all the time, {phe} smashes things when {phe} is angry.",
    ),
    (
        &[DomesticAbuse],
        "{who} told me {his} {partner} threatened to kill {him}.",
    ),
    (
        &[DomesticAbuse],
        "I can hear {who} being hit through the wall {time}, {he} screams for {his} {partner} to stop.",
    ),
    (
        &[DomesticAbuse],
        "{who} has had black eyes twice this month and {he} is terrified of {his} {partner}.",
    ),
    (
        &[DomesticAbuse],
        "{who} is not allowed out of the house by {his} {partner} and {his} phone was taken.",
    ),
    (
        &[DomesticAbuse],
        "{who} had to flee {his} violent {partner} and is staying on my floor.",
    ),
    (
        &[DomesticAbuse],
        "My {partner} raped me and I don't feel safe at home.",
    ),
    // ------------------------------------------------------------- child_at_risk
    (&[ChildAtRisk], "A child is left alone in {place} {time}."),
    (
        &[ChildAtRisk],
        "{child} is left on {chis} own all night while the parents go out.",
    ),
    (
        &[ChildAtRisk, DomesticAbuse],
        "I am scared my {relative} is hitting {child}.",
    ),
    (
        &[ChildAtRisk],
        "The kids in {place} are always hungry and are never at school.",
    ),
    (
        &[ChildAtRisk],
        "{child} came to school with bruises on {chis} arms again.",
    ),
    (
        &[ChildAtRisk],
        "{child} has gone missing and is not answering {chis} phone.",
    ),
    (
        &[ChildAtRisk],
        "{child} is being given money and lifts by older men and comes home late.",
    ),
    (
        &[ChildAtRisk],
        "I think {child} is being used to sell drugs, {che} is going to other towns on the train.",
    ),
    (
        &[ChildAtRisk],
        "I can hear the baby in {place} screaming for hours and nobody comes.",
    ),
    (
        &[ChildAtRisk],
        "{child} told me {che} is scared to go home because of {chis} stepdad.",
    ),
    (
        &[ChildAtRisk],
        "The children next door are dirty, thin and wearing the same clothes every day.",
    ),
    (
        &[ChildAtRisk],
        "A man online has been sending messages to {child} and asking for photos.",
    ),
    (
        &[ChildAtRisk],
        "{child} has been kicked out by {chis} parents and is sleeping rough.",
    ),
    (
        &[ChildAtRisk],
        "The toddler upstairs was left in the car for hours in the heat.",
    ),
    (
        &[ChildAtRisk, DomesticAbuse],
        "The kids see their dad beating their mum {time}.",
    ),
    (
        &[ChildAtRisk],
        "My 15 year old has not come home since Friday and is with a much older man.",
    ),
    (
        &[ChildAtRisk],
        "The parents next door shout and smack the little ones {time}.",
    ),
    (
        &[ChildAtRisk],
        "{child} said an adult at the club touched {chim} and told {chim} to keep it secret.",
    ),
    (
        &[ChildAtRisk],
        "There is no food in {place} for the children and the mum is passed out drunk.",
    ),
    // ------------------------------------------------------------- adult_at_risk
    (
        &[AdultAtRisk],
        "{elder} has dementia and is being neglected by {ehis} carers.",
    ),
    (
        &[AdultAtRisk],
        "{elder} has had a fall and can't get up, I can hear {ehim} calling out.",
    ),
    (
        &[AdultAtRisk],
        "{elder} has not been seen for days and the curtains are still closed.",
    ),
    (
        &[AdultAtRisk],
        "{elder} is living in squalor, not eating and refusing all help.",
    ),
    (
        &[AdultAtRisk],
        "Someone is taking {elder}'s pension every week and {ehe} has no money for food.",
    ),
    (
        &[AdultAtRisk],
        "The carer did not turn up again and {elder} has been left in bed all day.",
    ),
    (
        &[AdultAtRisk],
        "Some men have taken over {elder}'s flat and are selling drugs from it.",
    ),
    (
        &[AdultAtRisk],
        "{elder} is being pressured to change {ehis} will by a new friend.",
    ),
    (
        &[AdultAtRisk],
        "{elder} was scammed out of all {ehis} savings by a rogue trader.",
    ),
    (
        &[AdultAtRisk],
        "Staff at the care home are rough with {elder} and {ehe} has bruises.",
    ),
    (
        &[AdultAtRisk],
        "{elder} keeps wandering the streets at night in {ehis} nightclothes.",
    ),
    (
        &[AdultAtRisk],
        "{elder} has no carer coming and is sitting in soiled clothes.",
    ),
    (
        &[AdultAtRisk],
        "My brother has a learning disability and people keep taking his money.",
    ),
    (
        &[AdultAtRisk],
        "{elder} has dementia and nobody is looking after {ehim} properly.",
    ),
    (
        &[AdultAtRisk],
        "{elder} is very confused, hasn't eaten for days and the house is freezing.",
    ),
    (
        &[AdultAtRisk],
        "{elder}'s son shouts at {ehim} and takes {ehis} bank card.",
    ),
    (
        &[AdultAtRisk],
        "I am disabled and my carer is stealing from me and I have no one else.",
    ),
    (
        &[AdultAtRisk],
        "the old man downstair no food since many days and nobody visit him",
    ),
    // ------------------------------------------------------------- threat_violence
    (
        &[ThreatViolence],
        "My neighbour said he will stab me next time he sees me.",
    ),
    (
        &[ThreatViolence],
        "A man outside {place} is waving a knife around.",
    ),
    (
        &[ThreatViolence],
        "If you don't sort this out someone will be killed.",
    ),
    (
        &[ThreatViolence],
        "I am going to come down to your office and hurt someone.",
    ),
    (
        &[ThreatViolence],
        "The lads on the estate threatened to burn our house down.",
    ),
    (
        &[ThreatViolence],
        "Someone put petrol through our letterbox last night.",
    ),
    (
        &[ThreatViolence],
        "{who} was attacked outside {his} flat and the man says he will come back.",
    ),
    (
        &[ThreatViolence],
        "My landlord punched me and said next time he'll kill me.",
    ),
    (
        &[ThreatViolence],
        "The neighbour has a gun and keeps threatening people on the street.",
    ),
    (
        &[ThreatViolence],
        "I'm getting death threats from my neighbour's family.",
    ),
    (
        &[ThreatViolence],
        "I will get a knife and sort that housing officer out myself.",
    ),
    (
        &[ThreatViolence],
        "He keeps following me home and said he knows where I live and will get me.",
    ),
    (
        &[ThreatViolence],
        "There was a fight with machetes in the car park and someone got stabbed.",
    ),
    (
        &[ThreatViolence],
        "The man at number 4 said he is going to shoot the next person who parks there.",
    ),
    (
        &[ThreatViolence],
        "{who} told me the neighbours threatened to kill {him} and {his} family.",
    ),
    (
        &[ThreatViolence],
        "Your staff will be sorry, I'll be waiting outside with a baseball bat.",
    ),
    // ------------------------------------------------------------- modern_slavery
    (
        &[ModernSlavery],
        "About ten men live in the house next door and a van picks them up at 5am every day.",
    ),
    (
        &[ModernSlavery],
        "The girls at the nail bar sleep in the back room and never go out alone.",
    ),
    (
        &[ModernSlavery],
        "My boss took my passport and says I owe him money for bringing me here.",
    ),
    (
        &[ModernSlavery],
        "The workers at the car wash are not paid and live in a caravan behind it.",
    ),
    (
        &[ModernSlavery],
        "I was brought to the UK for a job but they make me work for no money and I cannot leave.",
    ),
    (
        &[ModernSlavery],
        "{who} is never allowed to speak for {self}, a man always answers for {him}.",
    ),
    (
        &[ModernSlavery],
        "Women are brought to the flat above the shop at night and I think they are forced to sell sex.",
    ),
    (
        &[ModernSlavery],
        "A family keeps a young woman as a housemaid, she works all day and is not allowed out.",
    ),
    (
        &[ModernSlavery],
        "The men on the farm are locked in at night and their wages are taken.",
    ),
    (
        &[ModernSlavery],
        "My cousin was trafficked here and is kept working in a cannabis farm.",
    ),
    (
        &[ModernSlavery],
        "There are lots of people crammed into the house opposite, all working at the factory, and someone takes their pay.",
    ),
    (
        &[ModernSlavery],
        "the boss keep our passports and we work 14 hours a day for nothing",
    ),
    // ------------------------------------------------------------- risk_to_health_or_home
    (
        &[RiskToHealthOrHome],
        "I have nowhere to sleep tonight with my two children.",
    ),
    (
        &[RiskToHealthOrHome],
        "My landlord changed the locks while I was at work and all my things are inside.",
    ),
    (
        &[RiskToHealthOrHome],
        "There is a strong smell of gas in {place} and nobody is answering.",
    ),
    (
        &[RiskToHealthOrHome],
        "We have had no heating for a week and my baby is only three months old.",
    ),
    (
        &[RiskToHealthOrHome],
        "The ceiling in the bedroom is bulging and about to collapse on the kids' beds.",
    ),
    (
        &[RiskToHealthOrHome],
        "There are bare wires sparking in the hallway of our flats.",
    ),
    (
        &[RiskToHealthOrHome],
        "I am sleeping in my car and it is below freezing tonight.",
    ),
    (
        &[RiskToHealthOrHome],
        "The landlord threw us out today and we are on the street with a newborn.",
    ),
    (
        &[RiskToHealthOrHome],
        "We have no food and no electric and my husband is on oxygen.",
    ),
    (
        &[RiskToHealthOrHome],
        "{who} found {his} neighbour collapsed on the floor and not breathing properly.",
    ),
    (
        &[RiskToHealthOrHome],
        "The hoarding in {place} is floor to ceiling and blocks the only way out if there is a fire.",
    ),
    (
        &[RiskToHealthOrHome],
        "I am pregnant and being made homeless today, I have nowhere to go.",
    ),
    (
        &[RiskToHealthOrHome],
        "Our carbon monoxide alarm keeps going off and my kids have headaches.",
    ),
    (
        &[RiskToHealthOrHome],
        "{who} is 82 and has had no heating or hot water all winter.",
    ),
    (
        &[RiskToHealthOrHome],
        "We were evicted this morning and my daughter and I are sleeping in the park.",
    ),
    (
        &[RiskToHealthOrHome, AdultAtRisk],
        "{elder} has no food in the house and no money for the meter.",
    ),
    // ------------------------------------------------------------- more, across categories
    (
        &[ModernSlavery],
        "The lads who work at the hand car wash are driven there in a minibus every morning and nobody ever sees them paid.",
    ),
    (
        &[ModernSlavery],
        "A woman cleans at the house opposite from six in the morning till midnight and told me in broken English she is not allowed to leave.",
    ),
    (
        &[ModernSlavery],
        "{who} was promised a job in a hotel but has been made to work in a factory and the man who brought {him} here keeps {his} wages.",
    ),
    (
        &[ModernSlavery],
        "Several young men sleep on mattresses in the garage of {place} and are taken to building sites every day.",
    ),
    (
        &[ModernSlavery, ChildAtRisk],
        "A teenage boy who barely speaks English is working in the takeaway every night and sleeps in the storeroom.",
    ),
    (
        &[ModernSlavery],
        "I think my neighbour's cleaner is being kept there, she has no phone, no passport and is never allowed out on her own.",
    ),
    (
        &[SelfHarmSuicide],
        "I've been researching ways to do it and I think I have decided.",
    ),
    (
        &[SelfHarmSuicide],
        "{who} sent me a text saying sorry for everything and that {he} loves me, then turned {his} phone off.",
    ),
    (
        &[SelfHarmSuicide],
        "There's no point in me being here any more, my family would cope better without me.",
    ),
    (
        &[SelfHarmSuicide],
        "{who} has been burning {self} with cigarettes and says it is the only thing that helps.",
    ),
    (
        &[SelfHarmSuicide],
        "I've got the pills in front of me right now.",
    ),
    (
        &[ChildAtRisk],
        "{child} turns up at our door most evenings asking for food, {che} says there is nothing at home.",
    ),
    (
        &[ChildAtRisk],
        "The baby in {place} has been crying for two days and I have not seen anyone go in or out.",
    ),
    (
        &[ChildAtRisk],
        "{child} keeps getting into expensive cars with older lads and has a new phone {che} can't explain.",
    ),
    (
        &[ChildAtRisk],
        "My neighbour's kids are left in the flat with no electric while she goes away for the weekend.",
    ),
    (
        &[ChildAtRisk],
        "{child} said {chis} dad burns {chim} with a lighter when {che} is naughty.",
    ),
    (
        &[ThreatViolence],
        "My ex-tenant said he will come back with his mates and make sure I regret evicting him, he has a machete.",
    ),
    (
        &[ThreatViolence],
        "A man in the waiting room said he would stab the next person who told him to wait.",
    ),
    (
        &[ThreatViolence],
        "Someone has sprayed 'you will die' on our door and thrown bricks through the window.",
    ),
    (
        &[RiskToHealthOrHome],
        "Water is pouring through the light fitting onto the electrics and my children are in the next room.",
    ),
    (
        &[RiskToHealthOrHome],
        "I am 70, the boiler has broken, it is minus two outside and I have no way to heat the flat.",
    ),
    (
        &[RiskToHealthOrHome],
        "We have been told to be out of the hostel by tonight and I have a six week old baby.",
    ),
    (
        &[DomesticAbuse],
        "My {partner} tracks my phone, reads my messages and goes mad if I talk to anyone.",
    ),
    (
        &[DomesticAbuse],
        "Since I told my family I want a divorce my brothers have said they will make me pay for the shame.",
    ),
    // Understated, indirect and formal wording (added after the second development set,
    // written from the definitions, showed these registers were the weakest).
    (
        &[SelfHarmSuicide],
        "It's probably nothing but {who} has been sorting out {his} affairs and said {he} won't need the flat much longer.",
    ),
    (
        &[SelfHarmSuicide],
        "I write to inform you that {who} has disclosed thoughts of ending {his} life and has access to medication.",
    ),
    (
        &[DomesticAbuse],
        "Things are a bit difficult at home, my {partner} gets angry if I go out and I have to be careful what I say.",
    ),
    (
        &[DomesticAbuse],
        "I would like a transfer to an address my former {partner} does not know, as {phe} continues to come to the property and make threats.",
    ),
    (
        &[ChildAtRisk],
        "I don't like to interfere but {child} is often out on the landing late at night and nobody comes for {chim}.",
    ),
    (
        &[ChildAtRisk],
        "I am writing with concern about {child}, who appears malnourished and is frequently outside unsupervised after dark.",
    ),
    (
        &[AdultAtRisk],
        "Probably just old age, but {elder} hasn't opened the curtains for days and the post is piling up.",
    ),
    (
        &[AdultAtRisk],
        "I wish to report that {elder} is being pressured by acquaintances into handing over {ehis} bank details.",
    ),
    (
        &[ThreatViolence],
        "It might be just talk, but {who} said {he} would come back with something sharp if it isn't sorted.",
    ),
    (
        &[ThreatViolence],
        "I wish to report repeated threats of violence from the occupier next door, including a threat to cut me.",
    ),
    (
        &[ModernSlavery],
        "Could be nothing, but the men at the car wash seem to sleep on the premises and someone always answers for them.",
    ),
    (
        &[ModernSlavery],
        "I am concerned that the workers at this address have their identity documents held by the man who collects their wages.",
    ),
    (
        &[RiskToHealthOrHome],
        "Not an emergency as such, but there is a gassy smell in the hallway and {elder} upstairs is on oxygen.",
    ),
    (
        &[RiskToHealthOrHome],
        "Just a small thing, the socket in the kitchen sparks and has gone black, and the children use that room.",
    ),
];

/// Sentences that use the same words as a concern, harmlessly (hard negatives), written
/// from the definitions' examples and varied.
pub(super) const HARD_NEGATIVES: &[&str] = &[
    "This pothole will kill someone's tyres if you don't fill it.",
    "My phone died so I couldn't finish the online form.",
    "The bins are killing me with the smell in this heat.",
    "Please send someone to kill the weeds on the verge outside {place}.",
    "The children's play area bins are overflowing again.",
    "I am dying to know when my parking permit arrives.",
    "The grass on the estate is being neglected and is knee high.",
    "My account was abused by spam so I made a new one.",
    "I was left alone on hold for an hour before giving up.",
    "The heating in the library is far too warm.",
    "When is the drop-off for the food bank donations?",
    "I need to give you a gas meter reading for the empty flat.",
    "We are moving house and need a new council tax account.",
    "I am querying my late father's care home bill from last year.",
    "Are there tickets left for the murder mystery evening at the library?",
    "What is your safeguarding policy for volunteers at the youth club?",
    "The traffic on this road is murder every morning.",
    "Our old boiler finally died and the landlord replaced it, thank you.",
    "The fly-tipping is killing the look of our street.",
    "My kids are desperate to know when the pool reopens.",
    "The hedge is strangling the lamp post, please cut it back.",
    "I nearly died laughing at the new parking signs.",
    "I could kill for a bus that runs on time.",
    "The weeds are choking the drain on Mill Lane.",
    "Your website keeps crashing, it's driving me mad.",
    "We were attacked by wasps at the park, is there a nest team?",
    "The council tax bill was a shot in the dark.",
    "My neighbour's hedge is a nightmare and blocks the light.",
    "I'm on the estate agents' list, not homeless, just need a reference letter.",
    "I'm not suicidal or anything, just furious about the bin collection.",
    "Years ago I fled a violent relationship, but I'm settled now and just need my address updated.",
    "The fire alarm test at the community centre is at 10am.",
    "Can you tell me how to report a dead fox on the road?",
    "Our street party needs a road closure, the kids will love it.",
    "I left my bag on the bus, is there a lost property?",
    "The old man in the library told me to ask you about the book sale.",
    "My mum wants to book a bulky waste collection for her old sofa.",
    "My son needs a school place from September.",
    "The baby changing room at the leisure centre has no bin.",
    "We had a fall in numbers at the toddler group, can we keep the hall?",
    "Knife crime awareness event: can we borrow the hall?",
    "My daughter is doing a school project on modern slavery, do you have any leaflets?",
    "The gas works on the high street have blocked my drive.",
    "The ceiling tiles in the library toilets are stained, please look at them.",
    "Our carer's parking permit has expired, how do I renew it?",
    "The kids' football pitch is flooded and full of dog mess.",
    "Please can you unblock the drain, the water has nowhere to go.",
    "My ex-partner and I share custody and we both need parking permits.",
    "I want to report a fallen tree blocking the footpath.",
    "Can you collect the dead pigeons from under the bridge?",
    "The heating has been fixed now, thanks for sending the engineer.",
    "I am a carer for my mum and want to apply for a blue badge.",
    "We used to be homeless but we are settled now, thank you for everything.",
    "How do I pay off the debt on my council tax account?",
    "My husband hurt his leg on the broken paving slab outside the shop.",
    "Is the shooting range on the common open to the public?",
    "The film crew will be shooting on our road on Saturday.",
    "My partner and I want to register our marriage at the town hall.",
    "The play park gate is broken and the children can get onto the road.",
    "Please send someone to check the fire extinguishers in the community hall.",
    "Please check the big tree in the park, it is leaning and will come down in the next storm.",
    "The alarm at the empty shop has been going off all night and nobody is answering.",
    "My husband is very angry because the bin men have missed our street again.",
    "Dear Sir or Madam, I am dying to know when my parking permit will arrive, I applied in March.",
    "Dear Licensing Team, we are holding a murder mystery evening with fake blood and a replica dagger.",
    "The children at the primary school want to send a goodbye card to the lollipop lady.",
    "I would like to volunteer on the domestic abuse awareness stall at the summer fair.",
    "My tenancy ends in March but I want to end it early, what notice do I give?",
    "The bus shelter glass is smashed, someone will cut themselves on it.",
    "My council tax bill is going to kill me this year, why has it gone up?",
    "The church hall boiler has broken, can we borrow heaters for the toddler group?",
    "Dear Sir or Madam, my father, who has dementia, moves into a care home next month, please close his account.",
];

/// Ordinary council contacts of every kind, for the "none" class beside the demo data.
pub(super) const ORDINARY: &[&str] = &[
    "My bin was not collected on {day}, can you send someone?",
    "There is a large pothole outside {place} that has burst my tyre.",
    "I would like to apply for a resident's parking permit.",
    "The street light outside {place} has been out for two weeks.",
    "I need to change the direct debit date for my council tax.",
    "Can I book a bulky waste collection for a fridge and a mattress?",
    "There is fly-tipping in the alley behind {place}.",
    "My neighbour's dog barks all night and I can't sleep.",
    "How do I apply for a school place for my daughter?",
    "The library opening hours on the website are wrong.",
    "I want to report a blocked drain on the high street.",
    "When will the new recycling bins be delivered?",
    "I have a damp problem in my council flat and mould on the walls.",
    "My housing benefit payment has not arrived this month.",
    "Cars are parked on the pavement outside the school every morning.",
    "Can you tell me how to object to a planning application?",
    "There is graffiti on the bus shelter by the park.",
    "The leak in my kitchen ceiling is getting worse, please send a repair.",
    "I need a copy of my council tax bill for my bank.",
    "The hedge from next door is blocking the footpath.",
    "Loud music from {place} every weekend until 3am.",
    "Is there help with the cost of school uniforms?",
    "The public toilets in the park have been locked for a week.",
    "I'd like to book the community hall for a birthday party.",
    "My garden waste subscription has expired, how do I renew?",
    "Rats have been seen around the bins at the back of {place}.",
    "The pedestrian crossing lights are not working.",
    "How do I register a death?",
    "I am moving out on the 30th, please close my council tax account.",
    "My boiler is making a loud noise, can someone look at it?",
    "Please can you cut back the trees in the cemetery.",
    "I was charged twice for my parking fine.",
    "We would like a dropped kerb outside our house.",
    "The recycling lorry damaged my wall.",
    "Can I get a discount on council tax as I live alone?",
    "I want to complain about the state of the children's play area.",
    "My elderly mother needs a new assisted bin collection.",
    "I'd like information about adult learning courses.",
    "The bus stop sign has been knocked down.",
    "I need to report an abandoned car that has been there for a month.",
    "Dear Sir or Madam, I write to request a review of my council tax band.",
    "Dear Council, I wish to complain about the condition of the footpath on our road.",
    "To whom it may concern, please send me the minutes of the last licensing meeting.",
    "Dear Planning Department, I write in support of the new community garden.",
    "My dad is in hospital for an operation, can someone collect his bin while he is away?",
    "I'm caring for my mum who has dementia, is there a council tax reduction for carers?",
];
