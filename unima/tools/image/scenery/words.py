"""The words an illustration understands: which backdrop, which object, which details.

Everything here is a pure function of text, so the choices are easy to test and to explain:
``backdrop_for`` picks the setting from the title, labels and caption; ``object_for`` names the
object a label depicts (``None`` when the renderer knows none, and the scene then shows a
neutral marker rather than something else); ``feature_for`` recognises labels that name a part
of the setting ("Snow", "River", "Night"); ``details_for`` collects what changes the look
(night, snow, a launch, the sauce on a dish).

Words match whole words with their plurals ("houses", "cherries", "knives"). In a label the
head noun names the object: "Apple tree" is a tree, "Bowl of soup" a bowl (of soup), so the
last known word before "of", "with", "in" or "on" wins.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence

from unima.tools.image.scenery.shapes import Color

# Object kinds and the words that name them; a kind here has a drawing in ``objects``.
OBJECT_WORDS: dict[str, Sequence[str]] = {
    # Food, drawn on a plate, in a bowl or standing on the table.
    "plate": (
        "plate plated dish platter meal dinner lunch breakfast supper food cuisine serving "
        "entree course recipe"
    ).split(),
    "pasta": (
        "pasta spaghetti noodle carbonara linguine fettuccine tagliatelle bolognese macaroni penne"
    ).split(),
    "soup": "soup stew broth ramen chowder porridge curry chili".split(),
    "bowl": ["bowl"],
    "salad": "salad lettuce coleslaw".split(),
    "pizza": ["pizza"],
    "omelette": "omelette omelet egg frittata".split(),
    "cake": "cake dessert cupcake tart pie gateau cheesecake pudding pastry".split(),
    "burger": "burger hamburger cheeseburger sandwich".split(),
    "bread": "bread loaf baguette toast".split(),
    "steak": "steak beef meat".split(),
    "cup": "cup mug coffee tea latte cappuccino espresso cocoa teacup".split(),
    "glass": "glass wine juice cocktail milk".split(),
    "bottle": "bottle beer soda".split(),
    "apple": ["apple"],
    "orange": ["orange"],
    "lemon": ["lemon", "lime"],
    "banana": ["banana"],
    "pear": ["pear"],
    "grapes": ["grape"],
    "strawberry": ["strawberry", "berry"],
    "cherry": ["cherry"],
    "tomato": ["tomato"],
    "carrot": ["carrot"],
    "fruit": ["fruit"],
    "fork": ["fork"],
    "knife": ["knife"],
    "spoon": ["spoon"],
    "cutlery": ["cutlery", "silverware"],
    # Animals and people.
    "fox": ["fox"],
    "cat": ["cat", "kitten", "kitty"],
    "dog": ["dog", "puppy", "hound"],
    "horse": ["horse", "pony", "foal"],
    "cow": ["cow", "cattle", "bull", "calf"],
    "sheep": ["sheep", "lamb"],
    "wolf": ["wolf"],
    "deer": ["deer", "stag", "reindeer", "moose", "elk"],
    "bear": ["bear"],
    "lion": ["lion", "tiger"],
    "pig": ["pig", "piglet"],
    "rabbit": ["rabbit", "bunny", "hare"],
    "elephant": ["elephant"],
    "camel": ["camel"],
    "animal": ["animal", "pet", "mammal", "creature", "wildlife"],
    "bird": (
        "bird parrot eagle owl sparrow robin pigeon crow seagull gull duck chicken hen swan goose"
    ).split(),
    "fish": "fish salmon trout tuna goldfish shark dolphin whale cod".split(),
    "astronaut": ["astronaut", "cosmonaut", "spaceman"],
    "person": (
        "person people man woman child boy girl kid user student worker teacher chef farmer "
        "doctor family friend player"
    ).split(),
    # Vehicles.
    "car": "car taxi automobile jeep van sedan".split(),
    "bus": ["bus"],
    "truck": ["truck", "lorry"],
    "bicycle": ["bicycle", "bike", "cyclist"],
    "boat": "boat ship sailboat yacht ferry canoe kayak vessel".split(),
    "rocket": "rocket spaceship spacecraft shuttle".split(),
    "plane": "plane airplane aeroplane aircraft jet airliner".split(),
    "train": ["train", "locomotive"],
    # Buildings.
    "lighthouse": ["lighthouse"],
    "church": "church chapel cathedral steeple".split(),
    "castle": "castle palace fort fortress".split(),
    "tower": "tower skyscraper antenna".split(),
    "village": ["village", "hamlet", "town"],
    "city": ["city", "skyline", "downtown", "metropolis"],
    "house": "house home cottage cabin hut barn farmhouse building shop school".split(),
    # Nature and the sky.
    "tree": "tree oak maple birch willow".split(),
    "pine": ["pine", "fir", "spruce", "conifer", "pine tree", "fir tree", "christmas tree"],
    "palm": ["palm", "palm tree", "coconut tree"],
    "forest": ["forest", "woods", "woodland", "jungle"],
    "bush": ["bush", "shrub", "hedge"],
    "rock": ["rock", "stone", "boulder", "pebble"],
    "mountain": ["mountain", "peak", "hill", "volcano"],
    "flower": "flower rose tulip daisy bloom sunflower blossom".split(),
    "garden": ["garden", "flowerbed"],
    "sun": ["sun"],
    "moon": ["moon"],
    "star": ["star"],
    "solar system": ["solar system"],
    "planet": (
        "planet earth mars venus mercury jupiter saturn uranus neptune pluto exoplanet"
    ).split(),
    "galaxy": ["galaxy", "milky way"],
    "cloud": ["cloud"],
    "rainbow": ["rainbow"],
    "coral": ["coral", "coral reef", "reef"],
    # Things found indoors.
    "book": "book novel notebook textbook diary".split(),
    "computer": "computer laptop pc monitor desktop".split(),
    "phone": "phone smartphone telephone mobile cellphone".split(),
    "lamp": ["lamp", "lantern"],
    "clock": ["clock", "watch"],
    "candle": ["candle"],
    "umbrella": ["umbrella", "parasol"],
    "bench": ["bench"],
    "chair": ["chair", "stool", "armchair"],
}
OBJECT_KINDS = tuple(OBJECT_WORDS)
DISH_KINDS = ("pasta", "soup", "salad", "pizza", "omelette", "cake", "burger", "steak", "bread")
FOOD_KINDS = frozenset(
    {"plate", "bowl", "cup", "glass", "bottle", "fork", "knife", "spoon", "cutlery", "fruit"}
    | set(DISH_KINDS)
    | {"apple", "orange", "lemon", "banana", "pear", "grapes", "strawberry", "cherry", "tomato"}
    | {"carrot"}
)
INDOOR_KINDS = frozenset({"book", "computer", "phone", "lamp", "clock", "chair"})
SPACE_KINDS = frozenset({"solar system", "planet", "galaxy", "astronaut"})
OUTDOOR_KINDS = frozenset(
    {"fox", "horse", "cow", "sheep", "wolf", "deer", "bear", "lion", "pig", "elephant", "camel"}
    | {"lighthouse", "church", "castle", "tower", "village", "city", "house", "train"}
    | {"tree", "pine", "palm", "forest", "bush", "rock", "mountain", "flower", "garden"}
    | {"car", "bus", "truck", "bicycle", "rainbow", "bench"}
)
# Labels that name a part of the setting rather than an object in it.
FEATURE_WORDS: dict[str, Sequence[str]] = {
    "night": ("night", "midnight", "nighttime", "darkness", "dark"),
    "sky": ("sky", "air", "heavens"),
    "snow": ("snow", "winter", "snowfall", "ice", "frost", "blizzard", "snowy"),
    "rain": ("rain", "storm", "rainy", "drizzle", "thunderstorm", "weather"),
    "river": ("river", "stream", "creek", "brook", "canal"),
    "sea": ("sea", "ocean", "water", "wave", "beach", "coast", "shore", "aquarium"),
    "lake": ("lake", "pond", "loch"),
    "ground": ("ground", "grass", "field", "meadow", "lawn", "sand", "desert", "soil"),
    "table": ("table", "tabletop", "counter", "kitchen", "desk"),
    "room": ("room", "office", "bedroom", "study", "indoors", "wall", "window"),
    "space": ("space", "universe", "cosmos", "orbit"),
    "landscape": ("landscape", "scenery", "nature", "countryside", "view", "outdoors"),
}
BACKDROP_WORDS: dict[str, Sequence[str]] = {
    "space": (
        "space outer universe cosmos galaxy orbit orbiting nebula asteroid comet spacewalk "
        "astronomy"
    ).split(),
    "table": "table meal kitchen restaurant cafe picnic cooking dining menu".split(),
    "underwater": "underwater coral reef aquarium diver diving seabed seafloor submarine".split(),
    "sea": (
        "sea ocean beach coast shore harbor harbour island wave seaside bay sailing lake port "
        "pier surf"
    ).split(),
    "room": (
        "room indoor indoors inside office desk bedroom study classroom library shelf workspace"
    ).split(),
    "landscape": (
        "landscape countryside nature field meadow park farm valley outdoors outside street "
        "road river snow winter rain desert"
    ).split(),
}
# Ties go to the first backdrop in this order.
BACKDROPS = ("space", "table", "underwater", "sea", "room", "landscape")
CONDITION_WORDS: dict[str, Sequence[str]] = {
    "night": ("night", "midnight", "nighttime", "dark", "starry", "moonlit", "moonlight"),
    "dusk": ("dusk", "sunset", "sunrise", "dawn", "evening", "twilight"),
    "snow": ("snow", "snowy", "winter", "snowfall", "blizzard", "frost", "arctic"),
    "rain": ("rain", "rainy", "storm", "drizzle", "thunderstorm"),
    "river": ("river", "stream", "creek", "brook", "canal"),
    "beach": ("beach", "sand", "shore", "seaside"),
    "desert": ("desert", "dune", "sahara", "cactus"),
    "launch": ("launch", "launching", "liftoff", "takeoff", "lifting", "blast"),
    "sail": ("sail", "sailing", "sailboat", "yacht"),
    # What sits on a dish.
    "bacon": ("bacon", "pancetta", "guanciale", "ham", "carbonara", "prosciutto"),
    "pepper": ("pepper", "carbonara", "peppercorn"),
    "cheese": ("cheese", "parmesan", "pecorino", "mozzarella", "carbonara", "bolognese"),
    "egg": ("egg", "yolk", "carbonara"),
    "tomato": (
        "tomato",
        "marinara",
        "bolognese",
        "pomodoro",
        "arrabbiata",
        "napoli",
        "ketchup",
        "meatball",
    ),
    "meat": ("bolognese", "ragu", "meatball", "mince", "beef"),
    "herbs": ("basil", "parsley", "herb", "chive", "oregano", "thyme", "marinara", "pesto"),
    "pesto": ("pesto",),
    "cream": ("cream", "creamy", "alfredo"),
    "mushroom": ("mushroom",),
    "chocolate": ("chocolate", "cocoa", "brownie"),
}
COLOR_WORDS: dict[str, Color] = {
    "red": (200, 45, 45),
    "orange": (235, 130, 40),
    "yellow": (240, 205, 60),
    "green": (60, 150, 70),
    "blue": (50, 100, 200),
    "purple": (130, 70, 170),
    "pink": (235, 130, 170),
    "brown": (130, 85, 50),
    "black": (40, 40, 45),
    "white": (245, 245, 245),
    "grey": (140, 140, 145),
    "gray": (140, 140, 145),
    "golden": (220, 175, 60),
    "silver": (190, 195, 200),
}
_HEAD_BREAK = frozenset({"of", "with", "in", "on", "at", "under", "over", "and", "by", "near"})


def words(text: str) -> list[str]:
    """The lower-case words of ``text``."""
    return re.findall(r"[a-z]+", text.lower())


def _singulars(word: str) -> set[str]:
    """``word`` and the singulars it could be the plural of."""
    forms = {word}
    if word.endswith("ies"):
        forms.add(word[:-3] + "y")
    if word.endswith("ves"):
        forms |= {word[:-3] + "f", word[:-3] + "fe"}
    if word.endswith("es"):
        forms.add(word[:-2])
    if word.endswith("s"):
        forms.add(word[:-1])
    return forms


def _positions(tokens: list[str], phrase: str) -> list[int]:
    """Where ``phrase`` (one word or several) ends in ``tokens``, its last word maybe plural."""
    parts = phrase.split()
    found = []
    for end in range(len(parts) - 1, len(tokens)):
        start = end - len(parts) + 1
        if tokens[start:end] == parts[:-1] and parts[-1] in _singulars(tokens[end]):
            found.append(end)
    return found


def _last_match(tokens: list[str], vocabulary: Mapping[str, Sequence[str]]) -> str | None:
    best, best_position = None, -1
    for kind, phrases in vocabulary.items():
        for phrase in phrases:
            for position in _positions(tokens, phrase):
                # A longer phrase ending at the same word ("solar system") beats a shorter one.
                if position > best_position or (position == best_position and " " in phrase):
                    best, best_position = kind, position
    return best


def _head_then_rest(label: str, vocabulary: Mapping[str, Sequence[str]]) -> str | None:
    tokens = words(label)
    cut = next((index for index, token in enumerate(tokens) if token in _HEAD_BREAK), len(tokens))
    return _last_match(tokens[:cut], vocabulary) or _last_match(tokens[cut:], vocabulary)


def object_for(label: str) -> str | None:
    """The object kind ``label`` names, or ``None`` when the renderer knows no drawing of it."""
    return _head_then_rest(label, OBJECT_WORDS)


def objects_in(text: str) -> list[str]:
    """The object kinds a sentence names, one per phrase: "A cat on a book" names a cat and a
    book, "An apple tree" only a tree."""
    kinds, phrase = [], []
    for token in [*words(text), "of"]:
        if token not in _HEAD_BREAK:
            phrase.append(token)
            continue
        kind = _last_match(phrase, OBJECT_WORDS)
        if kind and kind not in kinds:
            kinds.append(kind)
        phrase = []
    return kinds


def feature_for(label: str) -> str | None:
    """The part of the setting ``label`` names ("Snow" is ``"snow"``), or ``None``."""
    return _head_then_rest(label, FEATURE_WORDS)


def _count(texts: Iterable[str], phrases: Iterable[str]) -> int:
    tokens = [words(text) for text in texts]
    return sum(len(_positions(text, phrase)) for text in tokens for phrase in phrases)


def backdrop_for(texts: Iterable[str]) -> str:
    """The setting for a subject: ``space``, ``table``, ``underwater``, ``sea``, ``room`` or
    ``landscape`` (the default outdoors), from the words of its title, labels and caption.

    Each backdrop scores its own words twice and the objects the texts name that belong there
    once (a dish puts the scene on a table, a laptop indoors, a church outdoors).
    """
    texts = [text for text in texts if text]
    # A word naming the setting ("desk", "beach") counts twice an object that suggests it.
    scores = {backdrop: 2 * _count(texts, BACKDROP_WORDS[backdrop]) for backdrop in BACKDROPS}
    families = {
        "space": SPACE_KINDS,
        "table": FOOD_KINDS,
        "underwater": frozenset({"fish", "coral"}),
        "sea": frozenset({"boat"}),
        "room": INDOOR_KINDS,
        "landscape": OUTDOOR_KINDS,
    }
    for backdrop, kinds in families.items():
        scores[backdrop] += sum(_count(texts, OBJECT_WORDS[kind]) for kind in kinds)
    best = max(BACKDROPS, key=lambda backdrop: (scores[backdrop], -BACKDROPS.index(backdrop)))
    return best if scores[best] > 0 else "landscape"


def details_for(texts: Iterable[str]) -> frozenset[str]:
    """The conditions and toppings the texts mention: ``night``, ``snow``, ``bacon`` ..."""
    texts = [text for text in texts if text]
    return frozenset(
        condition for condition, phrases in CONDITION_WORDS.items() if _count(texts, phrases)
    )


def dish_for(texts: Iterable[str]) -> str:
    """The dish a plate holds: the first dish kind the texts name, ``food`` when they name
    only a meal or a dish in general, or ``""`` for an empty plate."""
    texts = [text for text in texts if text]
    for text in texts:
        tokens = words(text)
        for token_index in range(len(tokens)):
            for kind in DISH_KINDS:
                if any(token_index in _positions(tokens, phrase) for phrase in OBJECT_WORDS[kind]):
                    return kind
    return "food" if _count(texts, OBJECT_WORDS["plate"]) else ""


def tint_for(label: str) -> Color | None:
    """The colour a label asks for ("Red car"), or ``None``."""
    for token in words(label):
        if token in COLOR_WORDS:
            return COLOR_WORDS[token]
    return None
