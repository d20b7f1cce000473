"""Sub-intents: the finer intents SPEC §3 names under the 24, read from the buyer's words.

The model picks one of the 24 intents (so figures stay comparable); these rules then say
which finer case it is when the message names it: "only 2 of the 3 arrived" is a short
shipment under wrong_item, "please declare a low value" a low-declaration request under
customs_duty. A rule fires only under its parent intent, so a sub-intent never
contradicts the intent shown, and a message runs at most two patterns (the ones under
its intent): triage runs on every message.

Each sub-intent is one pattern joining the phrasings of the 15 buyer languages, plus
Arabic and Russian written in Latin letters (docs/domain/intents.md "Sub-intents").
Patterns are written in lower case; detect() lower-cases the text itself rather than
count on the pipeline's normalisation.
"""

from __future__ import annotations

import re

from kefu.domain.intents import SUB_INTENTS

# Phrasings per language; each alternative is a regular expression. Latin-script words
# carry \b so "muster" does not match inside "Mustermann"; CJK has no word boundaries.
_PHRASES: dict[str, dict[str, tuple[str, ...]]] = {
    "short_shipment": {
        "en": (
            r"\bmissing\b",
            r"\bonly (?:got|received|came|arrived|\d+ (?:of|out of|came|arrived))\b",
            r"\b(?:fewer|less) than (?:i )?(?:ordered|paid)",
            r"\bshort[- ]?(?:shipped|shipment)\b",
            r"\b(?:one|a|1) (?:piece|item|part|pair) (?:is )?(?:missing|short|not in)",
            r"\bordered \d+\D{0,20}\b(?:got|received|only) \d+",
            r"\bonly \d+ (?:in the|were in|pieces|pcs|units)\b",
            r"\breceived \d+ (?:out )?of (?:the )?\d+",
            r"\bonly (?:sent|shipped|delivered) (?:part|half|some)\b",
        ),
        "de": (
            r"\bfehl(?:t|en)\b",
            r"\bnur \d+ (?:von|statt|anstatt|im paket|angekommen|geliefert|erhalten)\b",
            r"\bbestellt,? (?:aber |und )?(?:nur|blo[ßs]) \d+",
            r"\bweniger als bestellt",
            r"\bunvollst[äa]ndig",
        ),
        "fr": (
            r"\bmanqu(?:e|ent|ait|aient|ant|ante|ants|antes)\b",
            r"\bseulement \d+ sur \d+",
            r"\by en a (?:que|seulement) \d+",
            r"\bre[çc]u (?:que|seulement) \d+",
            r"\bmoins que (?:ce que j'ai )?command",
            r"\bcommand[ée]e?s? \d+\D{0,20}\b(?:re[çc]u|j'en ai) \d+",
            r"\bincomplet",
        ),
        "es": (
            r"\bfalta(?:n|ba|ban)?\b",
            r"\bs[óo]lo (?:me )?(?:llegaron|lleg[óo]|recib[íi]|vinieron|vino|hab[íi]a|hay) \d+",
            r"\bmenos de lo (?:que )?ped",
            r"\bincomplet[oa]",
        ),
        "it": (
            r"\bmanca(?:no|va|vano)?\b",
            r"\bmancant[ei]\b",
            r"\bsolo \d+ su \d+",
            r"\bsolo \d+ (?:pezzi|pz)\b",
            r"\bne (?:sono arrivat[ie]|ho ricevut[ie]) solo",
            r"\bne sono arrivat[ie] \d+",
            r"\bincomplet[oa]",
        ),
        "pt": (
            r"\bfalt(?:a|am|ando|ou|aram)\b",
            r"\bs[óo] (?:chegaram|chegou|recebi|veio|vieram) \d+",
            r"\b(?:comprei|pedi) \d+ e (?:s[óo] )?(?:vieram|chegaram) \d+",
            r"\bmenos do que (?:eu )?(?:pedi|comprei)",
            r"\bincomplet[oa]",
        ),
        "nl": (
            r"\bontbre(?:ekt|ken|kende)\b",
            r"\ber mist\b",
            r"\bmaar \d+ van de \d+",
            r"\bmaar \d+ (?:ontvangen|gekregen|geleverd|in het pakket|in de doos)",
            r"\bminder dan (?:ik )?besteld",
            r"\bonvolledig",
        ),
        "pl": (
            r"\bbrak(?:uje|owa[łl]o)?\b",
            r"\bbrakuj[aą]c",
            r"\bw (?:kartonie|paczce|pude[łl]ku) (?:jest |by[łl]y |by[łl]o )?tylko \d+",
            r"\btylko \d+ z \d+",
            r"\bprzysz[łl](?:y|a|o)? tylko \d+",
            r"\btylko \d+ (?:szt|sztuk)",
            r"\bmniej ni[żz] zam[óo]wi",
            r"\bniekompletn",
        ),
        "ru": (
            r"не хватает",
            r"недостач",
            r"недовлож",
            r"в посылке нет|нет в посылке",
            r"не положили",
            r"некомплект",
            r"(?:пришл[оаи]|получил[аи]?) только \d+",
            r"недостающ",
            r"(?:пришел|пришёл|пришла|пришло) не полностью",
            r"неполн(?:ый|ая|ое) (?:заказ|комплект|посылка)",
            r"в (?:коробке|посылке|пакете|упаковке) только \d+",
            r"только \d+ из \d+",
            r"меньше,? чем заказ",
        ),
        "ru-latn": (
            r"\bne (?:hvataet|khvataet)\b",
            r"\bnedostach",
            r"\b(?:prishlo|prishla|poluchil) tolko\b",
        ),
        "tr": (
            r"\beksi(?:k|[ğg]i|kler)\b",
            r"\b(?:kutuda|pakette|kargoda) (?:sadece |yaln[ıi]zca )?\d+ (?:tane|adet|paket) var",
            r"\bsadece \d+ (?:tane|adet)",
            r"\b\d+ yerine \d+",
        ),
        "ar": (
            r"ناقص",
            r"(?:بدون|من غير) ال(?:شاحن|كابل|قطع|غطاء)",
            r"نقص",
            r"(?:وصلني|وصل|استلمت) \d+ (?:فقط|بس)",
            r"فقط \d+ من \d+",
            r"اقل من الطلب|أقل من الطلب",
        ),
        "ar-latn": (r"\b(?:na9es|na9sa|naqes|naqsa|nakes|na2es|na2sa|n9es|n9sa)\b",),
        "he": (
            r"חסר(?:ה|ים|ות)?",
            r"רק \d+ מתוך \d+",
            r"פחות ממה שהזמנתי",
            r"הזמנתי \d+ (?:ו)?הגיעו (?:רק )?\d+",
        ),
        "ja": (
            r"足りな",
            r"足りません",
            r"数が(?:足りな|合わな|少な)",
            r"数量が(?:違|足りな|少な)",
            r"欠品",
            r"\d+(?:個|つ|点)しか",
            r"入って(?:いな|な|ませ|いませ)",
        ),
        "ko": (
            r"누락",
            r"빠졌|빠져|빠진",
            r"\d+개 ?주문했는데 ?\d+개",
            r"(?:하나|한 ?개|1개)(?:가|는)? ?안 ?왔",
            r"\d+(?:개|팩|벌|장)뿐",
            r"모자라|모자랍|모자르",
            r"수량(?:이|이랑)? ?(?:부족|안 ?맞|달라|적)",
            r"\d+개만 ?(?:왔|도착|받)",
        ),
        "zh": (
            r"少了",
            r"少发",
            r"漏发",
            r"缺件|缺少|少一件|少一个|少\d+(?:件|个)",
            r"只收到\s*\d+",
            r"数量不(?:对|够)",
        ),
    },
    "not_as_described": {
        "en": (
            r"\bnot as (?:described|pictured|advertised|shown|in the (?:photo|picture|pic)s?)\b",
            r"\bdiffer(?:ent|s)? (?:from|than|to) (?:the|your) "
            r"(?:photos?|pictures?|pics?|images?|listing|description|ad)\b",
            r"\b(?:does ?n[o']t|did ?n[o']t) (?:look like|match) (?:the|your) "
            r"(?:photos?|pictures?|pics?|images?|listing|description)\b",
            r"\b(?:listing|description|ad|page) (?:says|said|states|stated)\b",
            r"\blooks nothing like\b",
            r"\bnothing like (?:the|your) (?:photos?|pictures?|pics?|images?|listing|description)",
            r"\bnot what (?:the|your) (?:listing|description|ad) ",
        ),
        "de": (
            r"\bnicht wie (?:beschrieben|abgebildet|auf dem (?:bild|foto))",
            r"\bentspricht nicht (?:der|dem) (?:beschreibung|bild|foto|angebot)",
            r"\banders (?:aus )?als (?:auf dem|auf den|im|in der|in den) "
            r"(?:bild|bildern|foto|fotos|beschreibung|angebot)",
            r"\blaut (?:beschreibung|artikelbeschreibung|angebot)\b",
        ),
        "fr": (
            r"\bnon conforme\b",
            r"\bpas conforme\b",
            r"\bdiff[ée]rent(?:e|s|es)? (?:de|des) (?:la |l'|les )?(?:photos?|description|annonce)",
            r"\bne correspond pas (?:à|a) (?:la |l'|aux )?(?:photos?|description|annonce)",
            r"\brien (?:à|a) voir avec (?:la|les) photos?",
        ),
        "es": (
            r"\bno es como (?:en )?(?:la|las) (?:fotos?|im[áa]genes|imagen|descripci[óo]n)",
            r"\bno coincide con (?:la|las) (?:fotos?|descripci[óo]n|imagen)",
            r"\bno se parece (?:en nada )?a (?:la|las) (?:fotos?|imagen|im[áa]genes)",
            r"\bdiferente (?:a|de) (?:la|las) (?:fotos?|imagen|descripci[óo]n)",
            r"\bno es lo que (?:dice|dec[íi]a) (?:la descripci[óo]n|el anuncio)",
            r"\bno corresponde (?:a|con) (?:la|el) (?:descripci[óo]n|foto|anuncio)",
        ),
        "it": (
            r"\bnon conforme\b",
            r"\bnon corrisponde (?:alla|alle) (?:descrizione|foto)",
            r"\bdivers[oaie] (?:dalla|dalle|da come) (?:foto|descrizione|descritto)",
            r"\bnon (?:è )?come (?:descritto|nella foto|nelle foto|in foto)",
        ),
        "pt": (
            r"\bn[ãa]o (?:é|e|est[áa]|veio) (?:como|conforme) (?:na |a |o )?"
            r"(?:descri[çc][ãa]o|fotos?|an[úu]ncio|descrito)",
            r"\bdiferente (?:da|das|do) (?:fotos?|descri[çc][ãa]o|imagem|an[úu]ncio)",
            r"\bn[ãa]o (?:corresponde|condiz) (?:com (?:a|o)|[àa]|ao) "
            r"(?:descri[çc][ãa]o|foto|an[úu]ncio)",
            r"\bn[ãa]o (?:é|e|est[áa]) igual (?:[àa]s?|ao) (?:fotos?|imagem|descri[çc][ãa]o)",
        ),
        "nl": (
            r"\bniet zoals (?:beschreven|op de foto|afgebeeld)",
            r"\banders dan (?:op de foto|beschreven|de beschrijving|afgebeeld)",
            r"\bkomt niet overeen met de (?:beschrijving|foto)",
        ),
        "pl": (
            r"\bniezgodn[yaeą] z (?:opisem|zdj[ęe]ciem|aukcj[ąa])",
            r"\bnie (?:jak|taki jak|taka jak|takie jak) na zdj[ęe]ciu",
            r"\binn[yaei] ni[żz] na zdj[ęe]ciu",
            r"\bnie wygl[ąa]da jak na zdj[ęe]ciu",
            r"\bw opisie (?:by[łl]o|jest|napisane)",
        ),
        "ru": (
            r"не соответству\w* (?:описани|фото|картинк)",
            r"не (?:такой|такая|такое|такие)?,? ?как на (?:фото|картинке|сайте)",
            r"отлича\w* от (?:фото|описания|картинки)",
            r"в описании (?:указано|написано|было)",
        ),
        "ru-latn": (
            r"\bne sootvetstvuet (?:opisaniyu|foto)",
            r"\bne kak na (?:foto|kartinke)",
        ),
        "tr": (
            r"\ba[çc][ıi]klama(?:daki|da yazan)? gibi de[ğg]il",
            r"\b(?:foto[ğg]raf|resim)(?:taki|deki)(?:ne)? (?:gibi de[ğg]il|benzemiyor)",
            r"\b(?:a[çc][ıi]klama|foto[ğg]raf|resim)(?:yla|la|le) "
            r"(?:uyu[şs]muyor|ayn[ıi] de[ğg]il)",
            r"\bilandaki gibi de[ğg]il",
        ),
        "ar": (
            r"(?:مو|مش|ليس|ليست|غير) (?:مثل|زي|كما في|كما ب)\s?(?:ال)?(?:صور[ةه]|وصف)",
            r"(?:غير|مو|مش) مطابق[ةه]? (?:لل|مع ال)(?:وصف|صور[ةه])",
            r"مختلف[ةه]? عن (?:ال)?(?:صور[ةه]|وصف)",
            r"لا (?:يطابق|تطابق) (?:ال)?(?:وصف|صور[ةه])",
        ),
        "ar-latn": (
            r"\b(?:mesh|mish|mush|mo|mou) (?:zay|zy|mitl|mithl|kif|kima) "
            r"(?:el|al|l)? ?(?:sora|sura|soura|tswira|taswira|photo)\b",
        ),
        "he": (
            r"לא כמו ב(?:תמונה|תיאור|תמונות)",
            r"שונ(?:ה|ים|ות)? מ(?:ה)?(?:תמונה|תיאור)",
            r"לא תוא(?:ם|מת) (?:את ה|ל)(?:תיאור|תמונה)",
        ),
        "ja": (
            r"(?:説明|商品説明|写真|画像|記載|掲載)(?:と|とは)(?:違|異な|全然違|ちが)",
            r"記載(?:されて|と)(?:いる|た)?(?:素材|サイズ|色)?(?:と)?違",
            r"(?:写真|画像|説明)と(?:色|サイズ|素材|形|柄|デザイン)が(?:違|異な)",
        ),
        "ko": (
            r"(?:설명|상품 ?설명|사진|상세 ?페이지)(?:과|와|이랑|하고|이랑은) ?"
            r"(?:너무 |완전 |전혀 )?(?:달라|다르|다름|틀려)",
            r"(?:사진|설명)(?:과|와|이랑|하고) ?"
            r"(?:색깔|색상|색|사이즈|재질|소재|디자인)(?:이|가)? ?"
            r"(?:너무 |완전 )?(?:달라|다르|다름)",
        ),
        "zh": (
            r"(?:与|和|跟)(?:描述|图片|照片|详情页?)(?:完全|根本|很|都)?(?:不符|不一样|不同)",
            r"货不对板",
            r"描述不符|图片不符|实物与(?:图片|描述)",
        ),
    },
    "low_declaration": {
        "en": (
            r"\bdeclare (?:it |them |the parcel |the package )?(?:as |at |for )?(?:a )?"
            r"(?:low|lower|small|smaller|less|minimum|\$?\d+)",
            r"\b(?:low|lower|small|minimum|reduced) (?:declared )?value\b",
            r"\b(?:mark|label|declare|send|ship|write) (?:it |them |the parcel |the package )?"
            r"as (?:a )?gift\b",
            r"\bunder-?declare",
            r"\bunder-?value",
            r"\bsplit (?:the order|it|the parcel|the package|into)\b.{0,40}"
            r"\b(?:duty|duties|customs|tax)",
            r"\bwrite (?:\$|usd |€)?\d+ ?(?:\$|usd|dollars|euros?)? on the "
            r"(?:customs|declaration|form|invoice|parcel|package)",
        ),
        "de": (
            r"\b(?:niedrig|niedriger|geringer)(?:en|e)? (?:wert|warenwert)",
            r"\bals geschenk (?:deklarieren|markieren|angeben|versenden|schicken|kennzeichnen)",
            r"\bwert (?:niedriger|geringer|niedrig) (?:angeben|deklarieren|ansetzen)",
        ),
        "fr": (
            r"\bd[ée]clarer? (?:une |un )?(?:valeur |montant )?"
            r"(?:basse|faible|moins|inf[ée]rieure|bas)",
            r"\bvaleur (?:plus )?(?:basse|faible|inf[ée]rieure|minimale)",
            r"\b(?:comme|en|marqu[ée]e? comme?) cadeau\b",
        ),
        "es": (
            r"\bdeclar(?:ar|en|e|ad[oa]) (?:un |el )?(?:valor |monto )?"
            r"(?:bajo|menor|m[áa]s bajo|m[íi]nimo)",
            r"\bcomo regalo\b",
            r"\bvalor (?:m[áa]s )?(?:bajo|menor|m[íi]nimo)\b",
        ),
        "it": (
            r"\bdichiar(?:are|ate|a) (?:un )?(?:valore )?(?:basso|inferiore|minimo|pi[ùu] basso)",
            r"\bcome regalo\b",
            r"\bvalore (?:pi[ùu] )?(?:basso|inferiore|minimo)\b",
        ),
        "pt": (
            r"\bdeclar(?:ar|em|e) (?:um |o )?(?:valor )?(?:baixo|menor|m[íi]nimo|mais baixo)",
            r"\bcomo presente\b",
            r"\bvalor (?:mais )?(?:baixo|menor|m[íi]nimo)\b",
        ),
        "nl": (
            r"\b(?:lage|lagere) waarde\b",
            r"\bals (?:cadeau|geschenk|gift)\b",
            r"\b(?:lager|laag) (?:declareren|aangeven|invullen)",
        ),
        "pl": (
            r"\bzani[żz]",
            r"\b(?:ni[żz]sz|nisk)[aąą] warto[śs]",
            r"\bjako (?:prezent|gift|podarunek)\b",
        ),
        "ru": (
            r"заниз",
            r"(?:меньшую|маленькую|низкую|минимальную) (?:стоимость|сумму|цену)",
            r"как подарок",
            r"(?:указать|укажите|напишите|написать) (?:в декларации )?(?:меньше|поменьше)",
        ),
        "ru-latn": (
            r"\bkak podarok\b",
            r"\bzaniz",
            r"\b(?:menshuyu|nizkuyu) (?:stoimost|summu|tsenu)",
        ),
        "tr": (
            r"\bd[üu][şs][üu]k (?:fiyat|de[ğg]er|bedel|tutar)",
            r"\bhediye olarak\b",
            r"\bfaturay[ıi] d[üu][şs][üu]k",
        ),
        "ar": (
            r"(?:قيم[ةه]|سعر|مبلغ) (?:منخفض[ةه]?|قليل[ةه]?|أقل|اقل|صغير[ةه]?)",
            r"ك?هدي[ةه]",
            r"(?:خفض|تخفيض|قلل) (?:ال)?(?:قيم[ةه]|سعر|فاتور[ةه])",
        ),
        "ar-latn": (
            r"(?:hdiya|hadiya|hdia|hadia|hdeya|hadiyya)\b",
            r"\b(?:9ima|qima|9eema|2ima) (?:9lila|qalila|sghira|a9al|a2al)\b",
        ),
        "he": (
            r"(?:ערך|סכום|מחיר) נמוך",
            r"כמתנה",
            r"להצהיר (?:על )?(?:פחות|סכום נמוך|ערך נמוך)",
        ),
        "ja": (
            r"(?:低く|安く|少なく|低い金額で|低めに)申告",
            r"申告(?:額|価格|金額)を?(?:低|下げ|安)",
            r"ギフト(?:として|扱い|で申告)",
            r"プレゼント(?:として|扱い)",
        ),
        "ko": (
            r"(?:낮게|저가로?|적게|싸게) ?신고",
            r"신고 ?(?:금액|가격|가)(?:을|를)? ?(?:낮|줄|적)",
            r"선물로 ?(?:신고|표시|해|보내|적)",
            r"언더 ?밸류",
        ),
        "zh": (
            r"低报|低申报|少报",
            r"(?:申报|报)(?:价值|金额|价格)?(?:写)?(?:低|少)一?点",
            r"(?:写|填|申报为|按|当)(?:成)?礼物",
            r"申报(?:价值|金额)(?:写|填)?低",
        ),
    },
    "customs_hold": {
        "en": (
            r"\b(?:held|stuck|detained|seized|blocked|sitting|waiting|hold) "
            r"(?:up )?(?:at|in|by) (?:the )?customs\b",
            r"\b(?:been|still|sitting) (?:in|at) customs\b",
            r"\bcustoms (?:hold|is holding|are holding|won'?t release|(?:has|have) "
            r"(?:held|stopped|blocked))",
            r"\bcustoms (?:office |officers? |authorit(?:y|ies) )?(?:asks?|asking|ask(?:ed)?|"
            r"requires?|required|requests?|requesting|wants?|demands?|need|needs) "
            r"(?:me |us )?(?:for |to )?(?:an? |the |some )?"
            r"(?:documents?|paperwork|papers|invoice|proof|id|payment|pay|information)",
        ),
        "de": (
            r"\b(?:h[äa]ngt|steckt|liegt|festgehalten|fest|h[äa]ngen|blockiert) "
            r"(?:\w+ ){0,4}(?:beim|im) zoll",
            r"\bzoll(?:amt)? (?:h[äa]lt|verlangt|will|fordert|braucht|m[öo]chte)",
        ),
        "fr": (
            r"\b(?:bloqu|retenu|coinc|arr[êe]t)[ée]?e?s? (?:à|a|en|par) (?:la )?douane",
            r"\bla douane (?:me |nous )?(?:demande|r[ée]clame|exige|bloque|retient)",
        ),
        "es": (
            r"\b(?:retenid|atascad|parad|detenid|bloquead)[oa]s? en (?:la )?aduana",
            r"aduanas? (?:me |nos )?(?:pide|solicita|exige|retiene|requiere)",
        ),
        "it": (
            r"\b(?:bloccat|ferm|trattenut)[oaie] (?:in|alla|dalla) dogana",
            r"dogana (?:mi |ci )?(?:chiede|richiede|vuole|blocca)",
        ),
        "pt": (
            r"\b(?:retid|pres|parad|barrad)[oa]s? na (?:alf[âa]ndega|receita|fiscaliza[çc][ãa]o)",
            r"(?:alf[âa]ndega|receita federal) (?:est[áa] )?"
            r"(?:pede|pedindo|exige|solicita|segurou|reteve)",
        ),
        "nl": (
            r"\b(?:vast|vastgehouden|tegengehouden|geblokkeerd|ligt) (?:bij|door|in) de douane",
            r"\bde douane (?:vraagt|wil|houdt|eist)",
        ),
        "pl": (
            r"\b(?:zatrzyman|utkn[ęe][łl]|wstrzyman|przetrzymywan)\w* "
            r"(?:w|na|przez) (?:urz[ęe]dzie celnym|urz[ąa]d celny|cle|odprawie|c[łl]o)",
            r"\bstoi (?:na|w) (?:cle|odprawie)",
            r"\b(?:urz[ąa]d celny|celnicy|c[łl]o) (?:[żz][ąa]da|wymaga|prosi|chce)",
        ),
        "ru": (
            r"(?:застрял|задержан|стоит|лежит|держат|задержал)\w* (?:на|в) таможн",
            r"таможн\w* (?:требует|просит|не выпускает|задержал|держит)",
        ),
        "ru-latn": (
            r"\b(?:zastryal|zaderzhan|lezhit|stoit)\w* (?:na|v) tamozhn",
            r"\btamozhnya (?:trebuet|prosit|ne vypuskaet)",
        ),
        "tr": (
            r"\bg[üu]mr[üu]kte (?:tak[ıi]l|bekl|kald|tutul|bekletil|duruyor)",
            r"\bg[üu]mr[üu]k (?:benden )?(?:belge|evrak|fatura|[öo]deme)\w* (?:istiyor|talep)",
        ),
        "ar": (
            r"(?:محجوز|عالق|متوقف|محتجز)[ةه]? (?:في|ب|عند) ?(?:ال)?جمارك",
            r"جمارك (?:تطلب|يطلبون|طلبت|حجزت|محتجز)",
        ),
        "ar-latn": (
            r"\b(?:m7jouz|ma7jouz|m7juz|mahjouz|m7jooz|7ajzin|7ajzinha|wa9ef|wa9fa)\w* "
            r"(?:fi |f |3and |fel |fl )?(?:el |al |l)?(?:jamarek|jamarik|diwana|douane|dwana)\b",
        ),
        "he": (
            r"(?:תקוע|מעוכב|עצור|נתפס|מוחזק|תקועה|מעוכבת|עצורה|מוחזקת) ב?מכס",
            r"המכס (?:מבקש|דורש|עיכב|מעכב)",
        ),
        "ja": (
            r"税関(?:で|に)(?:止ま|止め|保留|留め|引っかか)",
            r"税関から(?:書類|連絡|請求|インボイス)",
            r"通関(?:保留|が止ま|で止ま|できな)",
        ),
        "ko": (
            r"세관에서 ?(?:보류|묶|멈|걸려|잡혀|서류|자료)",
            r"통관(?:이)? ?(?:보류|안 ?되|멈|지연)",
        ),
        "zh": (
            r"扣关|扣貨|扣货",
            r"海关(?:扣|卡|要求|要)",
            r"卡在海关|被海关",
            r"清关(?:卡|失败|不了|要求|需要)",
        ),
    },
    "invoice": {
        "en": (
            r"\binvoices?\b",
            r"\b(?:vat|tax) receipt\b",
            r"\breceipt (?:with|for) (?:my |our )?(?:company|business|firm)",
            r"\bbill with (?:vat|tax)\b",
        ),
        "de": (r"\brechnung", r"\bquittung\b"),
        "fr": (r"\bfactures?\b",),
        "es": (r"\bfacturas?\b", r"\bfacturaci[óo]n\b"),
        "it": (r"\bfattur(?:a|e)\b", r"\bricevuta fiscale\b"),
        "pt": (r"\bfaturas?\b", r"\bnota fiscal\b", r"\brecibo\b"),
        "nl": (r"\bfactu(?:ur|ren)\b", r"\bbtw-?factuur\b"),
        "pl": (r"\bfaktur(?:a|ę|e|y|ą|ka|kę)\b",),
        "ru": (
            r"сч[её]т-?фактур",
            r"сч[её]т на оплату",
            r"(?:нужен|выставьте|выставить|пришлите|вышлите) сч[её]т\b",
            r"инвойс",
            r"закрывающие документы",
        ),
        "ru-latn": (r"\bschet[- ]?faktur", r"\binvoys\b"),
        "tr": (r"fatura",),
        "ar": (r"فاتور[ةه]", r"فواتير"),
        "ar-latn": (r"\b(?:fatura|fatoura|fatora|factura)\b",),
        "he": (r"חשבוני(?:ת|ות)",),
        "ja": (r"領収書", r"請求書", r"インボイス", r"適格請求書"),
        "ko": (r"세금 ?계산서", r"영수증", r"인보이스", r"계산서"),
        "zh": (r"发票|發票", r"收据|收據", r"增值税|增值稅"),
    },
    "samples": {
        "en": (
            r"\bsamples?\b",
            r"\b(?:test|trial) (?:piece|unit|order)s?\b",
            r"\b(?:test|try) (?:one|a|1|a few|2) (?:piece|unit|pc)s? (?:first|before)\b",
        ),
        "de": (r"\bmuster\b", r"\bprobe(?:st[üu]ck|exemplar)?\b", r"\btestbestellung"),
        "fr": (r"\b[ée]chantillons?\b",),
        "es": (r"\bmuestras?\b",),
        "it": (r"\bcampion(?:e|i|cino|cini)\b",),
        "pt": (r"\bamostras?\b",),
        "nl": (r"\bsamples?\b", r"\bmonsters?\b", r"\bproefexemplaar\b"),
        "pl": (r"\bpr[óo]bk(?:a|[ęe]|i|ow)", r"\bpr[óo]bne zam[óo]wienie"),
        "ru": (r"образ(?:ец|цы|ца|цов|чик)", r"пробн(?:ый|ую|ая|ик|ые)", r"тестов(?:ый|ую) заказ"),
        "ru-latn": (r"\bobraz(?:ec|ets|cy|tsy|ca|tsa)\b",),
        "tr": (r"\bnumune", r"\b[öo]rnek (?:[üu]r[üu]n|par[çc]a|sipari[şs])", r"\bnumunelik\b"),
        "ar": (r"عين[ةه]", r"عينات", r"عيّن[ةه]"),
        "ar-latn": (r"\b(?:3ayna|3ayyina|3ayena|3ayyna|3ayinat|3aynat)\b",),
        "he": (r"דוגמ(?:ה|א|אות|ות)", r"דגימ(?:ה|ות)"),
        "ja": (r"サンプル", r"見本", r"試供品"),
        "ko": (r"샘플", r"견본", r"시제품"),
        "zh": (r"样品|樣品", r"拿样|小样|打样|样板"),
    },
}
LANGUAGES: tuple[str, ...] = tuple(_PHRASES["invoice"])
# The sub-intents under each parent intent, in SUB_INTENTS order (menus list them so).
UNDER: dict[str, tuple[str, ...]] = {
    parent: tuple(s for s, p in SUB_INTENTS.items() if p == parent)
    for parent in SUB_INTENTS.values()
}
# The model reads the first 2,000 characters (adapters/classifier.py); the words that name
# a sub-intent come early too, and a 64 KiB message must stay cheap.
READ_CHARS = 4000


def _fast(phrase: str) -> str:
    r"""The phrase with its leading \b moved behind the first letter.

    Python's re skips ahead to the characters an alternation can start with only when
    every branch starts with a character (not an assertion, and not under IGNORECASE):
    that makes a pattern of 40 branches four times faster. `x(?<!\w.)` is `\bx` for a
    letter x; a leading group or class just loses its \b (a word's tail is rarely one).
    """
    if not phrase.startswith(r"\b"):
        return phrase
    rest = phrase[2:]
    if rest[:1].isalpha():
        return rest[0] + r"(?<!\w.)" + rest[1:]
    return rest


_RULES: dict[str, re.Pattern[str]] = {
    sub_intent: re.compile(
        "|".join(_fast(phrase) for phrases in by_language.values() for phrase in phrases)
    )
    for sub_intent, by_language in _PHRASES.items()
}
# The rules to try under each intent, in the order above: the first that matches wins.
_UNDER: dict[str, tuple[tuple[str, re.Pattern[str]], ...]] = {
    parent: tuple((s, _RULES[s]) for s in _RULES if SUB_INTENTS[s] == parent)
    for parent in SUB_INTENTS.values()
}


def detect(intent: str, text: str) -> str | None:
    """The sub-intent of `text` under `intent`, or None when the words name none.

    The text is lower-cased here rather than matched with IGNORECASE (which turns off
    re's skip-ahead, above) and not taken as lower-cased by the caller.
    """
    rules = _UNDER.get(intent)
    if not rules:
        return None
    folded = text[:READ_CHARS].lower()
    for sub_intent, pattern in rules:
        if pattern.search(folded):
            return sub_intent
    return None


def correction(label: str) -> tuple[str, str | None]:
    """(intent, sub-intent) for a label an agent picked from the correction menu, which
    lists the sub-intents under their parents: a sub-intent brings its parent along."""
    parent = SUB_INTENTS.get(label)
    return (parent, label) if parent else (label, None)
