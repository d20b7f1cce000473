"""Carriers by name, their public tracking pages, and what a tracking number says about
itself (issue 21, docs/tracking.md "Beside the conversation").

Shops type carriers as they like ("China Post", "中国邮政", "云途"): one key per carrier
lets a panel link the carrier's own page beside 17TRACK's. A number that has the S10
shape but a wrong check digit is a typing error, refused where parcels are entered; a
number of no known shape is kept and marked, because carriers with unpublished formats
exist (SPEC §9).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from kefu.domain.tracking_numbers import Recognised, normalise, recognise

# key -> (name shown, public tracking page with {number}, or None when the carrier has no
# page that takes a number in its address). Checked against each carrier's site, 2026-12.
CARRIERS: dict[str, tuple[str, str | None]] = {
    "china-post": ("China Post", None),
    "ems": ("China EMS", None),
    "cainiao": ("Cainiao", "https://global.cainiao.com/newDetail.htm?mailNoList={number}"),
    "yunexpress": ("YunExpress", "https://www.yuntrack.com/parcelTracking?id={number}"),
    "4px": ("4PX", "https://track.4px.com/#/result/0/{number}"),
    "ups": ("UPS", "https://www.ups.com/track?tracknum={number}"),
    "dhl": ("DHL", "https://www.dhl.com/global-en/home/tracking/tracking-express.html?submit=1&tracking-id={number}"),
    "fedex": ("FedEx", "https://www.fedex.com/fedextrack/?trknbr={number}"),
    "usps": ("USPS", "https://tools.usps.com/go/TrackConfirmAction?tLabels={number}"),
    "royal-mail": ("Royal Mail", "https://www.royalmail.com/track-your-item#/tracking-results/{number}"),
    "la-poste": ("La Poste", "https://www.laposte.fr/outils/suivre-vos-envois?code={number}"),
    "deutsche-post": ("Deutsche Post / DHL Paket", "https://www.dhl.de/de/privatkunden/pakete-empfangen/verfolgen.html?piececode={number}"),
    "correos": ("Correos", "https://www.correos.es/es/es/herramientas/localizador/envios/detalle?tracking-number={number}"),
    "postnl": ("PostNL", "https://jouw.postnl.nl/track-and-trace/{number}"),
    "poste-italiane": ("Poste Italiane", "https://www.poste.it/cerca/index.html#/risultati-spedizioni/{number}"),
    "russian-post": ("Russian Post", "https://www.pochta.ru/tracking?barcode={number}"),
    "canada-post": ("Canada Post", "https://www.canadapost-postescanada.ca/track-reperage/en#/search?searchFor={number}"),
    "australia-post": ("Australia Post", "https://auspost.com.au/mypost/track/details/{number}"),
    "japan-post": ("Japan Post", "https://trackings.post.japanpost.jp/services/srv/search/direct?reqCodeNo1={number}&locale=en"),
}  # fmt: skip

# The words shops use for each carrier, lower case, spaces and dashes dropped.
_NAMES: dict[str, str] = {
    "chinapost": "china-post", "中国邮政": "china-post", "chinapostairmail": "china-post",
    "chinapostregisteredairmail": "china-post", "ems": "ems", "chinaems": "ems",
    "中国ems": "ems", "cainiao": "cainiao", "菜鸟": "cainiao",
    "aliexpressstandardshipping": "cainiao",
    "yunexpress": "yunexpress", "云途": "yunexpress", "云途物流": "yunexpress", "4px": "4px",
    "递四方": "4px", "ups": "ups", "dhl": "dhl", "dhlexpress": "dhl", "fedex": "fedex",
    "联邦快递": "fedex", "usps": "usps", "royalmail": "royal-mail", "laposte": "la-poste",
    "colissimo": "la-poste", "deutschepost": "deutsche-post", "dhlpaket": "deutsche-post",
    "correos": "correos", "postnl": "postnl", "posteitaliane": "poste-italiane",
    "russianpost": "russian-post", "почтароссии": "russian-post", "canadapost": "canada-post",
    "australiapost": "australia-post", "auspost": "australia-post", "japanpost": "japan-post",
}  # fmt: skip

# An S10 number's last two letters name the posting country: its public post carries it.
_POSTS = {"CN": "china-post", "GB": "royal-mail", "FR": "la-poste", "DE": "deutsche-post",
          "ES": "correos", "NL": "postnl", "IT": "poste-italiane", "RU": "russian-post",
          "US": "usps", "CA": "canada-post", "AU": "australia-post",
          "JP": "japan-post"}  # fmt: skip
_S10_SHAPE = re.compile(r"^[A-Z]{2}\d{9}[A-Z]{2}$")


def carrier_key(name: str) -> str | None:
    """The carrier a shop's free-text name stands for, or None when no name matches."""
    return _NAMES.get(re.sub(r"[\s\-_.]", "", name).lower())


def carrier_link(carrier: str | None, number: str) -> str | None:
    """The carrier's own public page for a number, where the carrier has one."""
    pattern = CARRIERS[carrier][1] if carrier in CARRIERS else None
    return pattern.format(number=number) if pattern else None


@dataclass(frozen=True)
class NumberCheck:
    """What a tracking number says about itself.

    `carrier` is a key of CARRIERS (None: not recognised, accepted all the same);
    `checked` means a check digit was verified; `malformed` names why the number cannot
    be right (an S10 whose check digit is wrong), and such a number is refused."""

    number: str
    carrier: str | None
    checked: bool
    malformed: str | None = None

    @property
    def carrier_name(self) -> str | None:
        return CARRIERS[self.carrier][0] if self.carrier else None


# The courier library's answer for shapes the domain does not know (UPS, FedEx, DHL, USPS).
Lookup = Callable[[str], Recognised | None]


def check_number(raw: str, more: Lookup | None = None) -> NumberCheck:
    """Recognise a number: S10 first (its check digit decides), then the cross-border
    carriers' shapes, then `more`; an S10 shape with a wrong check digit is malformed."""
    number = normalise(raw)
    found = recognise(number)
    if found is None and _S10_SHAPE.match(number):
        return NumberCheck(number, None, False, "check digit does not match (UPU S10)")
    if found is None and more is not None:
        found = more(number)
    if found is None:
        return NumberCheck(number, None, False)
    if found.carrier == "s10":
        key = "ems" if found.service == "express" and found.origin == "CN" else None
        return NumberCheck(number, key or _POSTS.get(found.origin or ""), True)
    return NumberCheck(number, found.carrier if found.carrier in CARRIERS else None, found.checked)


# How buyers name carriers in a message, by key. Latin names match as whole words ("ems"
# is not in "items"); Chinese and Russian names anywhere.
_SPOKEN: dict[str, tuple[str, ...]] = {
    "china-post": ("china post", "chinapost", "中国邮政"), "ems": ("ems",),
    "cainiao": ("cainiao", "菜鸟"), "yunexpress": ("yunexpress", "yun express", "云途"),
    "4px": ("4px", "递四方"), "ups": ("ups",), "dhl": ("dhl",), "fedex": ("fedex", "联邦快递"),
    "usps": ("usps",), "royal-mail": ("royal mail",), "la-poste": ("la poste", "colissimo"),
    "deutsche-post": ("deutsche post", "dhl paket"), "correos": ("correos",),
    "postnl": ("postnl",), "poste-italiane": ("poste italiane",),
    "russian-post": ("russian post", "почта россии", "почтой россии"),
    "canada-post": ("canada post",), "australia-post": ("australia post", "auspost"),
    "japan-post": ("japan post",),
}  # fmt: skip
_SPOKEN_RX = [
    (key, re.compile("|".join(
        rf"(?<![a-z0-9]){re.escape(n)}(?![a-z0-9])" if n.isascii() else re.escape(n)
        for n in names
    )))
    for key, names in _SPOKEN.items()
]  # fmt: skip


def carriers_named(text: str) -> list[str]:
    """The carriers a message names, as keys, in the order of CARRIERS ("DHL Paket" names
    Deutsche Post, not DHL Express as well)."""
    low = text[:4000].casefold()
    found = [key for key, rx in _SPOKEN_RX if rx.search(low)]
    if "deutsche-post" in found and not re.search(r"(?<![a-z0-9])dhl(?!\s*paket)", low):
        found.remove("dhl")
    return found
