"""What kind of crisis a question describes: the situation that decides which lines help.

The engine decides *whether* a question signals acute danger (`Answer.crisis`,
`index.ranking.is_crisis`); this module only reads *which* danger, once that is
decided, so the crisis box can show, after 110 and 112, the lines that fit:
violence at home or against women, suicide (one's own or another's), a child in
danger, a pregnancy in distress, a medical emergency, trafficking or forced
prostitution, acute homelessness. It never changes the crisis decision.

`situations(text, crisis_term, topics)` reads cue words in the 14 languages (and
Latin transliteration, German words mixed in); a question can fit several (a
pregnant woman bleeding: pregnancy and medical). With no cue it falls back on the
question's leading topic from the engine's reading (gewaltschutz -> violence,
psychosozial -> suicide, gesundheit -> medical, wohnen -> homeless, familie ->
child); with neither, no situation: the box shows 110 and 112 alone.

Cue syntax: Latin and Cyrillic cues match whole words, a trailing `*` makes a
prefix (stem); Arabic-script and Ethiopic cues match anywhere (they take prefixes
and suffixes glued to the word).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from functools import cache

VIOLENCE, SUICIDE, CHILD, PREGNANCY = "violence", "suicide", "child", "pregnancy"
MEDICAL, TRAFFICKING, HOMELESS = "medical", "trafficking", "homeless"
#: Every situation, in the order their lines are shown when several fit.
SITUATIONS = (SUICIDE, VIOLENCE, TRAFFICKING, CHILD, PREGNANCY, MEDICAL, HOMELESS)

_CUES: dict[str, str] = {
    VIOLENCE: """
        schlägt schlaegt geschlagen verprügel* prügelt gewalt* misshandel* bedroht droht
        würgt wuergt vergewaltig* ehrenmord ehre
        beat beats beating beaten hits hit hitting punch* abus* violen* chok* strangl*
        threaten* rape* raping honour honor
        yedrab* yedrob* darab* bydrob* 3onf
        يضرب ضربني ضرب عنف يهدد اغتصب يخنق الشرف شرف
        کتک میزند می‌زند خشونت تجاوز تهدید ناموس
        dövüyor dövdü döv* şiddet* siddet* tecavüz* tehdit* namus*
        б'є бʼє бьє б'ють побив* б'є насильств* згвалтув* погрожу* бьёт бьет избива* насили*
        изнасил* угрожа* бие пребива* заплашва*
        lêdide lêxist tundî tundiy* tecawiz* gef
        وهي ووهلم وهلې تاوتریخوالي ګواښ غیرت
        ይወቕዓ ይወቅዓ ዓመጽ ይሃርመ ይህርመ ደብዲቡ
        bate bătut batut lovește loveste lovit violen* viol amenință ameninta
        frappe frappé bat violen* viol* menace* honneur
        garaac* garaacay rabshad* kufsi handadaad
    """,
    SUICIDE: """
        ich will mich umbringen mich umzubringen selbstmord* suizid* sterben springen
        abschied* ritze* ritzen
        kill myself killing myself suicid* want to die wants to die jump jumping goodbye overdose
        intihar* entehar* mout
        انتحار انتحر ينتحر اقتل نفسي قتل نفسي اموت أموت يموت يرمي نفسه ارمي نفسي اقفز ينط
        خودکشی بمیرم بمیره خودمو بکشم خودش را بکشد بپرم بپره
        kendimi öldür* ölmek ölmek* atlayacak atlamak
        самогубств* суїцид* вбити себе покінчити померти стрибнути стрибне
        самоуби* суицид* убить себя покончить умереть прыгнуть прыгнет
        да се убия да умра скочи скача
        xwekuştin* xwe bikujim bimirim xwe bavêjim xwe biavêje
        ځان وژن ځان ووژنم مړ شم ټوپ
        ርእሰ ቅትለት ነብሰይ ክቐትል ክሞት ክዘልል
        sinucid* să mor sa mor mă omor ma omor sar de pe să sară sa sara
        me tuer mourir en finir sauter se jeter
        is dil isdil dhimasho iska tuur boodo
    """,
    "_child": """
        kind kinder kindes baby babys säugling tochter sohn mädchen junge kleinkind
        child children kid kids baby daughter my son our son girl boy toddler
        tifl walad ebni binti
        طفل أطفال اطفال الطفل ولد ابني بنتي الصغير
        بچه کودک دخترم پسرم
        çocuk* cocuk* bebek* kızım oğlum
        дитин* діти дітей син* доньк* немовл* ребён* ребен* дети детей сын* дочь дочк* малыш*
        дете деца бебе дъщер*
        zarok* kurê min keça min pitik*
        ماشوم زوی لور
        ቆልዓ ህጻን ወደይ ጓለይ
        copil* bebe* fiul fiica
        enfant* bébé bebe fils fille
        ilmo* carruur* canug* wiil* gabar*
    """,
    "_neglect": """
        allein alleine draußen draussen vernachlässig* hunger* hungrig verschwunden vermisst
        jugendamt
        alone outside neglect* hungry missing
        لوحده وحده برا مفقود جوعان بردان
        تنها بیرون گم گرسنه سرد
        yalnız* dışarıda disarida kayıp kayip aç soğuk
        сам сама одна один надворі зник* голод* на вулиці на улице пропал* холод*
        навън изчезна* гладн*
        tenê li derve winda birçî
        یوازې بهر ورک
        በይኑ በይና ወጻኢ ጠፊኡ
        singur* afară afara dispărut* dispar* foame frig
        seul seule seuls dehors disparu* faim froid
        kaligii kaligeed bannaanka maqan lumay gaajo qabow
    """,
    PREGNANCY: """
        schwanger* wehen fehlgeburt*
        pregnan* miscarriage contractions labour labor
        hamel 7amel
        حامل الحمل اجهاض إجهاض طلق
        باردار حامله سقط جنین
        hamile* gebe düşük
        вагітн* перейми викидень беремен* схватки выкидыш бременн*
        ducan* bi zarok
        امیندواره
        ጥንሲ ነፍሰ ጾር ጠኒሳ
        însărcinat* insarcinat* gravid* avort*
        enceinte grossesse fausse couche
        uur uurka uurleh
    """,
    MEDICAL: """
        bewusstlos atmet luft blut* blutet herzinfarkt schlaganfall krampf* vergift*
        getrunken verschluckt tabletten überdosis unfall verletzt fieber notarzt
        krankenwagen rettungswagen ohnmächtig umgekippt chlor* reiniger
        unconscious breath* breathing bleed* blood heart attack stroke seizure* poison*
        drank swallowed pills overdose accident injured ambulance fainted collapsed
        chlorine bleach
        فاقد الوعي مغمى يتنفس نزيف ينزف دم جلطة سكتة تشنج تسمم شرب بلع حبوب اسعاف إسعاف كلور
        بیهوش نفس خونریزی خون سکته تشنج مسموم خورده قرص آمبولانس وایتکس
        bilinçsiz baygın nefes* kanama* kanıyor kalp krizi felç nöbet* zehir* içti yuttu
        hap hapları ilaç
        ambulans* bayıldı çamaşır suyu
        непритомн* дихає дихати кровотеч* кров* інфаркт* інсульт* судом* отру* випив* проковтн*
        таблет* швидк* без сознания дышит кровь* инфаркт* инсульт* судорог* отрав* выпил*
        проглот* скорая скорую безсъзнание диша кърви кръв* гърч* отров* изпи глътна хапчета
        линейка
        bêhiş bêhuş bêhna xwîn* krîz* jehr* vexwar daqurtand hebên ambulans*
        بې هوښه ساه وینه زهر ګولۍ امبولانس
        ዕንፍሩር ትንፋስ ደም መርዚ ኪኒና ኣምቡላንስ
        inconștient* inconstient* respiră respira sânger* sanger* sânge sange infarct
        convulsi* otrăv* otrav* băut baut înghițit inghitit pastile ambulanț* ambulant*
        leșinat lesinat
        inconscient* respire saigne* sang crise cardiaque avc convulsion* empoisonn* avalé
        avale comprimés médicaments ambulance évanoui* javel
        miyir neefsan neefta dhiig* wadne sun kaniini ambalaas*
    """,
    TRAFFICKING: """
        zwangsprostitution prostitution prostituier* menschenhandel pass weggenommen
        pass abgenommen reisepass gezwungen verkauft bordell
        prostitut* trafficking trafficked passport forced sold brothel
        دعارة اتجار بالبشر جوازي جواز السفر يجبرونني يجبرني باعوني
        روسپی فحشا قاچاق انسان پاسپورتم مجبور
        fuhuş* fuhus* insan ticareti pasaport* zorla* genelev
        проститу* торгівл* людьми паспорт* примушу* змушу* заставля* торговл* принужда*
        трафик* принуди*
        fahîşe* bazirganiya mirovan pasaport* bi zorê
        فحشا قاچاق پاسپورټ اړ یې
        ዝሙት ዘዋውራ ፓስፖርት ብግዲ
        prostitu* trafic* pașaport* pasaport* forțat* fortat* obligat*
        traite passeport forcé forcée forcee proxénète
        dhillo* ka ganacsiga dadka baasaboor* qasab* lagu qasbay
    """,
    HOMELESS: """
        obdachlos* wohnungslos* straße strasse keine wohnung rausgeworfen rauswurf
        zwangsräumung geräumt kein dach schlafplatz
        homeless street nowhere to sleep sleep outside evicted kicked out no place to stay
        بلا مأوى مشرد بالشارع مكان انام طردني طردونا انطردت
        بی خانمان بی‌خانمان کارتن خواب خیابان جایی برای خواب بیرونم کرد
        evsiz* sokakta kalacak yer kapı dışarı tahliye*
        бездомн* на вулиці нема де спати ночувати виселили вигнав* на улице негде выселили
        выгнал* бездом* на улицата няма къде изгониха
        bê mal li kolanê cih tune derxist
        بې کوره سړک د خوب ځای
        ገዛ የብለይ ጎደና መደቀሲ
        fără adăpost fara adapost în stradă in strada pe stradă evacuat* dat afară dat afara
        sans abri sans-abri à la rue dans la rue dormir dehors expulsé* expulse* mis à la porte
        hoy la'aan waddada meel aan seexdo la iga saaray
    """,
}
#: More cue words, by the ways people were seen to say it (phrasing of the tuning half).
_MORE = {
    VIOLENCE: """
        bringt mich um messer waffe töten tötet zwangsheirat* zwangsehe verheiraten
        knife gun kill me going to kill forced marriage marry me
        يقتلني يقتلوني سكين مسدس يجوزوني يزوجوني
        میزنه می زنه چاقو بکشه میکشه ازدواج اجباری
        bıçak* bicak* öldürecek öldürür boğuyor* boguyor* evlendir*
        бє ніж* вб'є вбить ударив* нож* убьёт убьет ударил* удари замуж заміж zamuzh omaž*
        омъжат* bie
        dixe bikujim bikuje dikuje kêr zewic*
        وژني ووژني wahi واده
        ይወቅአ ይወቕዕ ቢላዋ ክቐትለኒ ክምርዓዉኒ
        cuțit* cutit* omoare omoară mărite marite căsători* casatori*
        couteau tuer mariage forcé marier
        mindi i dili dili doona guur qasab i guursiiyo
    """,
    SUICIDE: """
        mehr leben mehr lebn schluss machen mach ich schluss springt antut antun
        end it kill himself kill herself jump off goodbye
        سامحني ينتحر زنده باشم قرص‌هامو قرصهامو خدای پامان ما وبښه غورځوي غورځوم
        xwe bikuje strybn* pryg* sii noolaado naftayda
        ይቕረ በሉለይ ደሓን ኩኑ adieu pardon pour tout plus vivre sa traiesc să trăiesc
        yaşamak yasamak
    """,
    MEDICAL: """
        zittert reagiert nicht brustschmerz* fit shaking respond wake up
        tremble répond plus repond plus crise qalal gariir* xumbo laabta xanuun*
        ይንቀጥቀጥ ምራቕ ወዲቓ durere proglotil tabletki sonnyi krovotech* krovotecha
    """,
    PREGNANCY: "vahitn* beremen* bremenn*",
    "_child": "ابنهم ابنها ولادها أولاد اولاد copii* дет* ma fille",
    "_neglect": "لحالو لحاله لحالها",
}
for _key, _words in _MORE.items():
    _CUES[_key] += "\n" + _words
#: The engine's leading topic, when no cue word names the situation.
TOPIC_FALLBACK = {"gewaltschutz": VIOLENCE, "psychosozial": SUICIDE, "gesundheit": MEDICAL,
                  "wohnen": HOMELESS, "familie": CHILD}
_GLUED = re.compile(r"[\u0600-\u06ff\u0750-\u077f\u1200-\u139f]")  # Arabic script, Ethiopic


def _fold(text: str) -> str:
    """Casefolded, without accents or vowel marks (schlagt = schlägt), one apostrophe."""
    text = unicodedata.normalize("NFKD", text.casefold())
    text = "".join(c for c in text if not unicodedata.combining(c))
    return text.replace("\u2019", "'").replace("ʼ", "'").replace("\u200c", "")


@cache
def _pattern(key: str) -> re.Pattern[str]:
    """One regex per cue list: glued cues as plain alternatives, others at word bounds."""
    glued, bounded = [], []
    for line in _CUES[key].strip().splitlines():
        for cue in _multi(line.strip()):
            cue = _fold(cue)
            if _GLUED.search(cue) and len(cue) > 3:
                glued.append(re.escape(cue))
            elif _GLUED.search(cue):  # a short glued cue (دم, خون) only as a word
                bounded.append(r"\b" + re.escape(cue) + r"\b")
            elif cue.endswith("*"):
                bounded.append(r"\b" + re.escape(cue[:-1]))
            else:
                bounded.append(r"\b" + re.escape(cue) + r"\b")
    return re.compile("|".join(glued + bounded))


#: Multi-word cues (kept whole; every other word of a line is a cue of its own).
MULTI = (
    "bedroht mich", "kill myself", "killing myself", "heart attack", "no place to stay",
    "nowhere to sleep", "sleep outside", "kicked out", "fausse couche", "crise cardiaque",
    "kalp krizi", "insan ticareti", "kalacak yer", "kapı dışarı", "çamaşır suyu",
    "вбити себе", "убить себя", "да се убия", "да умра", "без сознания", "на вулиці",
    "на улице", "на улицата", "нема де", "няма къде", "xwe bikujim", "xwe bavêjim",
    "xwe biavêje", "kendimi öldür*", "bi zarok", "bi zorê", "bê mal", "li kolanê",
    "cih tune", "li derve", "kurê min", "keça min", "bazirganiya mirovan", "să mor", "sa mor",
    "mă omor", "ma omor", "sar de pe", "să sară", "sa sara", "me tuer", "en finir",
    "se jeter", "is dil", "iska tuur", "fără adăpost", "fara adapost", "în stradă",
    "in strada", "pe stradă", "dat afară", "dat afara", "sans abri", "à la rue",
    "dans la rue", "dormir dehors", "mis à la porte", "hoy la'aan", "meel aan seexdo",
    "la iga saaray", "ka ganacsiga dadka", "lagu qasbay", "keine wohnung", "kein dach",
    "pass weggenommen", "pass abgenommen", "uur leh", "want to die", "wants to die", "my son",
    "our son", "ich will mich umbringen", "mich umzubringen",
    "bringt mich um", "kill me", "going to kill", "forced marriage", "marry me",
    "ازدواج اجباری", "می زنه", "i dili", "dili doona", "guur qasab", "i guursiiyo",
    "mehr leben", "mehr lebn", "schluss machen", "mach ich schluss", "end it", "kill himself",
    "kill herself", "jump off", "زنده باشم", "خدای پامان", "ما وبښه", "xwe bikuje",
    "sii noolaado", "ይቕረ በሉለይ", "ደሓን ኩኑ", "pardon pour tout", "plus vivre", "sa traiesc",
    "să trăiesc", "reagiert nicht", "wake up", "répond plus", "repond plus", "ma fille",
    "mariage forcé",
    "اقتل نفسي", "قتل نفسي", "يرمي نفسه", "ارمي نفسي", "فاقد الوعي", "بلا مأوى",
    "اتجار بالبشر", "جواز السفر", "خودمو بکشم", "خودش را بکشد", "بی خانمان", "کارتن خواب",
    "جایی برای خواب", "بیرونم کرد", "قاچاق انسان", "سقط جنین", "ځان وژن", "ځان ووژنم",
    "مړ شم", "بې هوښه", "بې کوره", "د خوب ځای", "اړ یې", "ርእሰ ቅትለት", "ነብሰይ ክቐትል",
    "ነፍሰ ጾር", "ገዛ የብለይ", "fahîşe*", "dhimasho",
)


def _multi(line: str) -> list[str]:
    found = [m for m in MULTI if m in line]
    for m in found:
        line = line.replace(m, " ")
    return found + line.split()


def situations(text: str, crisis_term: str | None = None,
               topics: Sequence[tuple[str, float]] | Iterable[str] = ()) -> tuple[str, ...]:
    """The situations a crisis question describes, in `SITUATIONS` order; () if none."""
    folded = _fold(" ".join(filter(None, (text, crisis_term))))
    hit = {key for key in _CUES if _pattern(key).search(folded)}
    found = {s for s in SITUATIONS if s in hit}
    if "_child" in hit and ("_neglect" in hit or VIOLENCE in hit):
        found.add(CHILD)
    if not found:
        codes = [t[0] if isinstance(t, tuple) else t for t in topics]
        if codes and codes[0] in TOPIC_FALLBACK:
            found.add(TOPIC_FALLBACK[codes[0]])
    return tuple(s for s in SITUATIONS if s in found)
