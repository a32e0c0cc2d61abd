"""Given names the site's authors carry: the last word on whether a title starts with a name.

A title prefix is read as an author only on evidence (:mod:`archive.page.titles`): the body's
repeated title line, a byline or author row naming the same person, initials. When the page
offers none of these, "Mikhailova Yulia. The Visual Language ..." and «Japan Studies in Russia.
Summary» differ in one thing only: "Yulia" is a given name. These are the common given names of
the two peoples the site's authors come from, Russian in Cyrillic (their Latin spellings are
derived: Yulia, Yuliya, Julia are one key, and a few Western forms are added), and Japanese in
Hepburn romaji; and common English given names, for the Western authors and for Russians who
sign in English. A name that is also an English word or a place (Grace, Hope, Georgia, Jordan,
Christian) is left out: a heading must not read as a person (:mod:`archive.page.titles`).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

RUSSIAN = """
Александр Алексей Анатолий Андрей Антон Аркадий Арсений Артём Артем Борис Вадим Валентин Валерий
Василий Виктор Виталий Владимир Владислав Всеволод Вячеслав Георгий Геннадий Глеб Григорий Даниил
Денис Дмитрий Евгений Егор Иван Игорь Илья Иннокентий Иосиф Кирилл Константин Лев Леонид Максим
Марк Матвей Михаил Никита Николай Олег Павел Пётр Петр Роман Ростислав Руслан Семён Семен Сергей
Станислав Степан Тимофей Тимур Фёдор Федор Филипп Эдуард Юрий Яков Ярослав Эрнст Вениамин Герман
Альберт Аркадий Валериан Захар Лаврентий Марат Платон Рафаил Савелий Тарас Эмиль
Александра Алина Алла Анастасия Ангелина Анна Антонина Валентина Валерия Вера Вероника Виктория
Галина Дарья Диана Евгения Екатерина Елена Елизавета Жанна Зинаида Зоя Инна Ирина Карина Кира
Ксения Лариса Лидия Любовь Людмила Маргарита Марина Мария Надежда Наталья Наталия Нина Нонна Оксана
Ольга Полина Раиса Светлана София Софья Тамара Татьяна Ульяна Юлия Яна Элеонора Эльвира Римма
Майя Василиса Варвара Таисия Регина Лилия Олеся Снежана
Христофор Эраст Ираида Ефим Ефрем Евдоким Елисей Ерофей Зиновий Илларион Иларион Ипполит Кузьма
Леонтий Лука Мирон Мстислав Назар Наум Никифор Остап Прохор Родион Савва Серафим Терентий Тихон
Трофим Феликс Фома Харитон Юлиан Гавриил Герасим Демьян Давид Игнат Игнатий Емельян Нестор Модест
Моисей Святослав Всеволод Владлен Евграф Филимон Спартак Стефан Рудольф Эрик Карл Эльдар Ринат
Рустам Ильдар Равиль Айдар Шамиль Ильяс Рашид Фарид Наиль Рамиль Айрат Азат
Алевтина Анфиса Ариадна Аглая Агния Евдокия Инесса Нелли Нинель Пелагея Рената Розалия Сабина
Серафима Стелла Устинья Фаина Эвелина Эльза Эмма Юлиана Ярослава Глафира Клавдия Клара Кристина
Марфа Матрёна Мирослава Стефания Эльмира Гульнара Динара Зарина Виолетта Изабелла Альбина Алиса
Милана Дарина Ростислава Владлена Евдокия Лидия Тамара Инга Ирма Римма Роза Ефросинья
"""
JAPANESE = """
Akira Akiko Aiko Asako Atsushi Ayako Ayumi Chie Chieko Daisuke Eiji Emi Emiko Fumiko Goro Haruki
Haruko Hideaki Hideki Hideo Hiroko Hiromi Hiroshi Hiroyuki Hisashi Ichiro Isamu Jiro Jun Junko
Junichiro Kaori Katsuya Kazuhiko Kazuko Kazuo Kazuya Keiko Kenichi Kenji Kenta Kenzaburo Kiyoshi
Koichi Koji Kumiko Kunio Makoto Mamoru Mariko Masahiro Masako Masao Masaru Masato Mayumi Michiko
Minoru Mitsuo Naoki Naoko Naomi Noboru Nobuo Noriko Osamu Reiko Ryo Ryoko Ryuichi Sachiko Satoru
Satoshi Setsuko Shigeru Shinichi Shinji Shinzo Shiro Shoji Sumiko Susumu Tadashi Takako Takashi
Takehiko Takeo Takeshi Taro Tatsuya Teruo Tetsuya Tomoko Toru Toshiaki Toshiko Toshio Tsutomu
Yasuhiro Yasuko Yasuo Yoichi Yoko Yoshiaki Yoshihiko Yoshiko Yoshio Yoshiro Yuichi Yuji Yukio
Yuko Yumiko Yusuke Yutaka Kōji Yōko Shūji Ryūichi Jun'ichirō Shin'ichi Kōichi Yūko
Akihiko Akihiro Akio Atsuko Chiaki Fumio Haruka Hideyuki Hiroki Hisako Ikuko Kazuhiro Keiichi
Kenichiro Kiyoko Kyoko Mai Masahiko Masami Masayuki Michio Mitsuko Nobuyuki Noriaki Reiji
Sadako Shigeki Shinichiro Shiori Takahiro Takao Takuya Tetsuo Tomohiro Toshihiro Toshiyuki
Yasushi Yoshihiro Yoshiki Yoshinori Yukiko Yuki Yumi Yui Eriko Kaoru Miyuki Nobuko Sayaka
"""
#: Endings of Japanese given names and of surnames (in romaji): which of two Japanese words,
#: neither a known given name, is which (Akihiro Iwashita, Iwashita Akihiro).
JAPANESE_GIVEN_ENDINGS = ("hiro", "hiko", "yuki", "nori", "taka", "masa", "shi", "ki", "ko",
                          "mi", "ichi", "ichiro", "jiro", "ro", "ya", "suke", "to", "o", "e", "ka")
JAPANESE_SURNAME_ENDINGS = ("moto", "mura", "yama", "kawa", "gawa", "shita", "hara", "wara",
                            "saki", "zaki", "sawa", "zawa", "mori", "oka", "shima", "jima",
                            "naka", "bashi", "hashi", "guchi", "uchi", "nishi", "ta", "da", "no",
                            "ki", "i", "be")
#: Western spellings Russian authors use for themselves (Alexander for Александр).
WESTERN = """
Alexander Alexandra Alexei Alexey Michael Eugene Eugenia Catherine Helen Paul Peter Nicholas
George Gregory Jacob Leo Mark Philip Stephen Theodore Valentine Victor Vladimir Sophia Tatiana
"""
#: Common English given names (the Western authors), words and places of the same spelling left
#: out.
ENGLISH = """
James John Robert William David Richard Joseph Thomas Charles Christopher Daniel Matthew Anthony
Donald Steven Andrew Kenneth Joshua Kevin Brian Edward Ronald Timothy Jason Jeffrey Ryan Gary
Eric Jonathan Larry Justin Scott Brandon Benjamin Samuel Raymond Patrick Dennis Jerry Tyler
Aaron Henry Douglas Adam Nathan Zachary Kyle Walter Harold Carl Arthur Lawrence Roger Albert
Gerald Keith Terry Sean Ethan Jeremy Harry Martin Simon Edmund Hugh Neil Graham Stuart
Mary Patricia Jennifer Linda Elizabeth Barbara Susan Jessica Sarah Karen Nancy Lisa Betty
Margaret Sandra Ashley Kimberly Emily Donna Michelle Dorothy Carol Amanda Melissa Deborah
Stephanie Rebecca Laura Cynthia Kathleen Amy Shirley Angela Brenda Pamela Nicole Emma Samantha
Katherine Christine Rachel Carolyn Janet Maria Diane Julie Joyce Kelly Christina Lauren Joan
Evelyn Olivia Judith Megan Cheryl Martha Andrea Frances Hannah Jacqueline Teresa Kathryn Sara
Janice Alice Abigail Julia Judy Beverly Denise Marilyn Danielle Theresa Natalie Marie Lucy
Claire Louise Sheila Gillian
"""
_LATIN = dict(zip(
    "абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
    ["a", "b", "v", "g", "d", "e", "e", "zh", "z", "i", "y", "k", "l", "m", "n", "o", "p", "r",
     "s", "t", "u", "f", "kh", "ts", "ch", "sh", "shch", "", "y", "", "e", "yu", "ya"]))
#: Spelling drift folded before comparing: Dmitry = Dmitri = Dmitriy, Yulia = Yuliya = Julia,
#: Natalia = Natalya, Mikhail = Michail, Fyodor = Fedor.
_FOLDS = ((r"kh", "h"), (r"ch", "h"), (r"[jy]", "i"), (r"ii+", "i"), (r"ie", "e"), (r"io", "e"),
          (r"yo", "e"), (r"x", "ks"), (r"w", "v"), (r"([a-z])\1", r"\1"), (r"i$", ""),
          (r"ia$", "a"))


def given_key(word: str) -> str:
    """Return a key under which spellings of one given name meet (Юлия = Yulia = Julia)."""
    text = unicodedata.normalize("NFKD", word.lower())
    text = "".join(_LATIN.get(ch, ch) for ch in text if not unicodedata.combining(ch))
    text = re.sub(r"[^a-z]", "", text)
    for pattern, replacement in _FOLDS:
        text = re.sub(pattern, replacement, text)
    return text


@lru_cache(maxsize=1)
def _keys() -> frozenset[str]:
    return frozenset(given_key(name) for name in (RUSSIAN + WESTERN + ENGLISH + JAPANESE).split())


@lru_cache(maxsize=1)
def _russian_keys() -> frozenset[str]:
    return frozenset(given_key(name) for name in (RUSSIAN + WESTERN).split())


def is_russian_given_name(word: str) -> bool:
    """Whether *word* is a known Russian (or Western) given name, either script."""
    return len(word) > 1 and given_key(word) in _russian_keys()


#: The common Chinese and Korean surnames, as printed in Latin letters (pinyin; the Korean
#: romanisations in use: Lee/Yi/Rhee, Park/Pak/Bak...) and in Russian (Palladius for Chinese,
#: Kontsevich for Korean). Such names are printed surname first, in both scripts, and their
#: given name may be two syllables: Сан Мин, Sang-min, Hongbo. Two-letter English words
#: (He, Oh, Ye, Jo) are left out; the single-letter ones (У, О, Ю) are no name word anyway.
EAST_ASIAN = """
Wang Li Zhang Liu Chen Yang Huang Zhao Wu Zhou Xu Sun Ma Zhu Hu Guo Gao Lin Luo Zheng Liang Xie
Song Tang Han Feng Deng Cao Peng Zeng Xiao Tian Dong Pan Yuan Cai Jiang Yu Du Cheng Wei Su Lu
Ding Ren Shen Yao Jin Fu Zhong Fan Bai Qian Meng Qin Yan Xue Dai Zou Xiong Qiu Hou Shi Lei Kong
Kim Lee Yi Rhee Park Pak Bak Choi Choe Jung Jeong Chung Kang Cho Yoon Yun Jang Chang Lim Im
Shin Sin Seo Suh Kwon Hwang Ahn Yoo Ryu Hong Jeon Chun Ko Koh Moon Mun Son Bae Baek Paik Heo
Nam Noh Roh Ha Kwak Sung Cha Joo Woo Koo Gu Min Won
Ван Ли Чжан Лю Чэнь Чень Ян Хуан Чжао Чжоу Сюй Сунь Ма Чжу Ху Го Хэ Гао Линь Ло Чжэн Лян Се Сун
Тан Хань Фэн Дэн Цао Пэн Цзэн Сяо Тянь Дун Пань Юань Цай Цзян Юй Ду Чэн Вэй Су Лу Дин Жэнь Шэнь Яо
Цзинь Фу Чжун Фань Бай Цянь Мэн Цинь Янь Сюэ Дай Цзоу Сюн Цю Хоу Ши Лэй Кун
Ким Пак Чой Цой Чхве Чон Чжон Кан Чо Юн Чан Лим Им Син Шин Со Квон Хван Ан Сон Рю Хон Мун Пэ Бэ
Пэк Хо Нам Но Ха Квак Ча Чу Ку Мин Вон
"""
EAST_ASIAN_SURNAMES = frozenset(EAST_ASIAN.split())
#: One syllable of a Chinese or Korean given name in Latin letters (pinyin, Korean
#: romanisations): an initial of at most two consonants, one to three vowels, a final n, ng,
#: m, l, k, p, t or r.
_EAST_ASIAN_SYLLABLE = r"(?:[bcdfghjklmnpqrstwxyz]{0,2}[aeiouëöü]{1,3}(?:ng|n|m|l|k|p|t|r)?)"
_EAST_ASIAN_GIVEN_LATIN = re.compile(
    rf"^{_EAST_ASIAN_SYLLABLE}{{1,3}}(?:-{_EAST_ASIAN_SYLLABLE}{{1,2}})?$", re.IGNORECASE)
#: The same in Russian letters: one or two vowel groups a word (Ён, Сан, Вэйго, Хунбо).
_EAST_ASIAN_GIVEN_CYRILLIC = re.compile(
    r"^[^аеёиоуыэюя]{0,3}[аеёиоуыэюя]{1,2}(?:[^аеёиоуыэюяьъ]{0,3}[аеёиоуыэюя]{1,2})?"
    r"[^аеёиоуыэюяьъ]{0,2}$", re.IGNORECASE)


def is_east_asian_surname(word: str) -> bool:
    """Whether *word* is a common Chinese or Korean surname (either script)."""
    return word in EAST_ASIAN_SURNAMES


def is_east_asian_given(words: list[str]) -> bool:
    """Whether *words* (one to three) are shaped like a Chinese or Korean given name and are no
    Russian given name: syllables, one word (Hongbo, Sang-min, Вэйго) or one a word (Ён Су)."""
    if not 1 <= len(words) <= 3 or any(is_russian_given_name(w) for w in words):
        return False
    return all(_EAST_ASIAN_GIVEN_CYRILLIC.match(w) if any("\u0400" <= c <= "\u04ff" for c in w)
               else _EAST_ASIAN_GIVEN_LATIN.match(w) for w in words)


#: Russian spelling of Japanese syllables (Polivanov) that Hepburn writes otherwise.
_HEPBURN = (("дзи", "ji"), ("дзё", "jo"), ("дзю", "ju"), ("дзя", "ja"), ("дз", "z"), ("си", "shi"),
            ("сё", "sho"), ("сю", "shu"), ("ся", "sha"), ("ти", "chi"), ("тё", "cho"),
            ("тю", "chu"), ("тя", "cha"), ("цу", "tsu"), ("х", "h"), ("ва", "wa"), ("э", "e"))


def japanese_given_first(first: str, second: str) -> bool | None:
    """Whether two Japanese words (romaji) are "given surname" (True), "surname given"
    (False), or cannot be told (None): known given names first, then the endings each kind
    of name takes, the longer ending deciding."""
    one, two = is_given_name(first), is_given_name(second)
    if one != two:
        return one
    score = _given_score(first) - _given_score(second)
    return None if score == 0 else score > 0


def ends_like_japanese_given(word: str) -> bool:
    """Whether *word* ends more like a Japanese given name than like a surname (Akihiro,
    Noriko; not Iwashita, nor «Foundation», whose syllables end like neither)."""
    return _given_score(word) > 0


def _given_score(word: str) -> int:
    """How much more *word* ends like a given name than like a surname (longest endings)."""
    lower = _hepburn(word.lower())
    given = max((len(e) for e in JAPANESE_GIVEN_ENDINGS if lower.endswith(e)), default=0)
    family = max((len(e) for e in JAPANESE_SURNAME_ENDINGS if lower.endswith(e)), default=0)
    return given - family


def is_given_name(word: str) -> bool:
    """Whether *word* is a known given name in any of its spellings, either script (a
    Japanese name in Cyrillic read back into Hepburn: Хироси = Hiroshi)."""
    if len(word) < 2:
        return False
    if given_key(word) in _keys():
        return True
    lower = word.lower()
    return any(cyrillic in lower for cyrillic, _ in _HEPBURN) and \
        given_key(_hepburn(lower)) in _keys()


def hepburn(word: str) -> str:
    """Return a Japanese name word printed in Cyrillic (Polivanov) as Hepburn writes it
    (Сигэки: shigeki), lower case."""
    return _hepburn(word.lower())


def _hepburn(lower: str) -> str:
    """Return a lower-case word with Russian spellings of Japanese syllables in Hepburn."""
    for cyrillic, latin in _HEPBURN:
        lower = lower.replace(cyrillic, latin)
    return "".join(_LATIN.get(ch, ch) for ch in lower)
