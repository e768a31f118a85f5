"""What a procedural illustration is made of: the words it understands and what it draws.

``words`` maps a subject's words to a setting, the objects its labels name and the details
(night, snow, sauce) that change how they look. ``stage`` fixes where things go; ``backdrops``
and ``outdoors`` paint the settings. ``objects`` draws one object into a box, by kind, with the
drawings grouped by family: ``plated``, ``toppings``, ``dishes``, ``tableware``, ``produce``,
``animals`` (with ``species``), ``creatures``, ``people``, ``vehicles``, ``buildings``,
``nature``, ``sky`` and ``things``. ``shapes`` holds the geometry they share.
"""
