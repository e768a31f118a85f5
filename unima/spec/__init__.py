"""The output spec a request states in its own words: which media, how many of each.

``parser`` is the entry point (``output_spec_for``, ``first_output_index``); ``tokens``,
``vocabulary``, ``grammar``, ``phrases`` and ``reader`` are its layers, ``wanted`` says what each
requested item should be (its kind and subject: "a picture of the dish", "a 3D model of a
raindrop"), ``inference`` supplies the spec when the request states none. Deterministic and
token based: no model.
"""
