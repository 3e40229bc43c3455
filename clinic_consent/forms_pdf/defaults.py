"""The first version of every form template, in Dutch and English. An administrator edits
them afterwards; every edit is a new version (see operations.save_template_version)."""

from __future__ import annotations

from typing import Final

from sqlalchemy import select

from clinic_consent.extensions import db
from clinic_consent.forms_pdf.models import FORM_KINDS, FormTemplate, FormTemplateVersion

_WITHDRAW_NL = (
    "U kunt uw toestemming altijd intrekken, zonder opgaaf van redenen. Is de opname dan al "
    "gemaakt, dan vernietigt de praktijk haar (of het betreffende deel) en legt dat vast."
)
_WITHDRAW_EN = (
    "You may withdraw your consent at any time, without giving a reason. If the recording has "
    "been made by then, the practice destroys it (or the part concerned) and registers that."
)
_CONFIDENTIAL_NL = (
    "De opname valt onder het medisch beroepsgeheim. Alleen wie hieronder genoemd is mag haar "
    "zien of horen; elke inzage wordt vastgelegd."
)
_CONFIDENTIAL_EN = (
    "The recording falls under medical confidentiality. Only those named below may see or hear "
    "it; every access is logged."
)

DEFAULT_TEXTS: Final[dict[tuple[str, str], tuple[str, str]]] = {
    ("client_group_recording", "nl"): (
        "Toestemming voor een geluidsopname door een groepsgenoot",
        "{recorder} wil van de groepssessie van {session_date} een geluidsopname maken, "
        "om die later zelf terug te luisteren. Omdat u in de groep zit, mag dat alleen als u "
        "daar vooraf toestemming voor geeft.\n\n"
        "De opname blijft privé: zij wordt niet gedeeld, niet gepubliceerd en niet aan anderen "
        "dan naasten van de opnemer laten horen. Wat in de groep besproken wordt, blijft in "
        "de groep.\n\n" + _WITHDRAW_NL,
    ),
    ("client_group_recording", "en"): (
        "Consent to an audio recording by a fellow group member",
        "{recorder} would like to make an audio recording of the group session of "
        "{session_date}, to listen back to it privately. Because you are in the group, this is "
        "only allowed if you consent to it beforehand.\n\n"
        "The recording stays private: it is not shared, not published and not played to anyone "
        "but the recorder's close family or carers. What is said in the group stays in the "
        "group.\n\n" + _WITHDRAW_EN,
    ),
    ("video_recording", "nl"): (
        "Toestemming voor een video-opname",
        "Van de sessie van {session_date} wordt een video-opname gemaakt: beeld, met of zonder "
        "geluid. Daarvoor is vooraf de toestemming nodig van iedereen die in beeld of geluid "
        "komt, behalve degene die opneemt.\n\n" + _CONFIDENTIAL_NL + "\n\n" + _WITHDRAW_NL,
    ),
    ("video_recording", "en"): (
        "Consent to a video recording",
        "The session of {session_date} will be recorded on video: images, with or without sound. "
        "That needs the consent, beforehand, of everyone who is seen or heard, except the "
        "person recording.\n\n" + _CONFIDENTIAL_EN + "\n\n" + _WITHDRAW_EN,
    ),
    ("clinician_recording", "nl"): (
        "Toestemming voor een opname door de behandelaar",
        "{recorder} wil de sessie van {session_date} opnemen ({medium}). Doel: {purpose}. "
        "De opname wordt uiterlijk op {destroy_by} vernietigd.\n\n"
        + _CONFIDENTIAL_NL
        + " Een opname voor opleiding of supervisie wordt alleen besproken met de mensen op de "
        "lijst, en nooit gepubliceerd.\n\n" + _WITHDRAW_NL,
    ),
    ("clinician_recording", "en"): (
        "Consent to a recording by the clinician",
        "{recorder} would like to record the session of {session_date} ({medium}). Purpose: "
        "{purpose}. The recording will be destroyed by {destroy_by}.\n\n"
        + _CONFIDENTIAL_EN
        + " A recording for training or supervision is discussed only with the people on the "
        "list, and never published.\n\n" + _WITHDRAW_EN,
    ),
    ("publication", "nl"): (
        "Toestemming voor openbaarmaking van een opname",
        "De opname van de sessie van {session_date} ({medium}) wordt openbaar gemaakt of "
        "gedeeld buiten privégebruik, bijvoorbeeld op sociale media, bij de pers of in een "
        "openbare lezing. Daarvoor is de toestemming nodig van iedereen die op de opname staat, "
        "behalve degene die opneemt.\n\n"
        "Wat eenmaal openbaar is, is niet altijd meer terug te halen. Denk daarom rustig na "
        "voordat u beslist; nee zeggen heeft geen gevolgen voor uw behandeling.\n\n" + _WITHDRAW_NL,
    ),
    ("publication", "en"): (
        "Consent to making a recording public",
        "The recording of the session of {session_date} ({medium}) will be made public or shared "
        "beyond private use, for example on social media, with the press or in a public "
        "lecture. That needs the consent of everyone on the recording except the person "
        "recording.\n\n"
        "What has been made public cannot always be taken back. Take your time to decide; "
        "saying no has no consequences for your treatment.\n\n" + _WITHDRAW_EN,
    ),
    ("representative_consent", "nl"): (
        "Toestemming als vertegenwoordiger",
        "U beslist als vertegenwoordiger (ouder met gezag, voogd of andere wettelijke "
        "vertegenwoordiger) namens {client} over een opname ({medium}) van de sessie van "
        "{session_date}.\n\n"
        "Betrek {client} zoveel mogelijk bij uw beslissing. Is {client} 12 tot 16 jaar, dan "
        "beslist {client} zelf mee; ook diens toestemming is dan nodig.\n\n" + _WITHDRAW_NL,
    ),
    ("representative_consent", "en"): (
        "Consent as a representative",
        "As a representative (parent with authority, guardian or other legal representative) "
        "you decide on behalf of {client} about a recording ({medium}) of the session of "
        "{session_date}.\n\n"
        "Involve {client} in your decision as much as possible. If {client} is 12 to 16 years "
        "old, {client} decides too, and their consent is needed as well.\n\n" + _WITHDRAW_EN,
    ),
    ("withdrawal_receipt", "nl"): (
        "Bevestiging van intrekking van toestemming",
        "{practice} bevestigt dat {person} de toestemming voor de opname van de sessie van "
        "{session_date} heeft ingetrokken.\n\n"
        "Is de opname nog niet gemaakt, dan wordt zij niet gemaakt. Is zij al gemaakt, dan "
        "vernietigt de praktijk haar (of het deel waar het om gaat) en legt vast wanneer, door "
        "wie en hoe. Het toestemmingsformulier en deze bevestiging blijven bewaard als bewijs.",
    ),
    ("withdrawal_receipt", "en"): (
        "Receipt for the withdrawal of consent",
        "{practice} confirms that {person} has withdrawn their consent to the recording of the "
        "session of {session_date}.\n\n"
        "If the recording has not been made, it will not be made. If it has been made, the "
        "practice destroys it (or the part concerned) and registers when, by whom and how. The "
        "consent form and this receipt are kept as evidence.",
    ),
}
assert {kind for kind, _ in DEFAULT_TEXTS} == set(FORM_KINDS)


def ensure_default_form_templates() -> int:
    """Create the templates that do not exist yet, each with its first version; flushes.
    Returns how many were created (0 on a practice that has them all)."""
    existing = {(t.kind, t.language) for t in db.session.scalars(select(FormTemplate))}
    created = 0
    for (kind, language), (title, body) in DEFAULT_TEXTS.items():
        if (kind, language) in existing:
            continue
        template = FormTemplate(kind=kind, language=language)
        template.versions.append(
            FormTemplateVersion(version=1, title=title, body=body, change_note="First version")
        )
        db.session.add(template)
        created += 1
    db.session.flush()
    return created
