"""The brushstroke stage: a brush, a learned renderer of it, a painter that places strokes, and their plan.

``brush``     the stroke's parameters and the procedural brush that draws it (the renderer's ground truth)
``renderer``  a small Keras network that imitates the brush, differentiable, loaded from ``models/``
``painter``   places ordered strokes over a picture, coarse to fine, guided by the detail map
``plan``      the strokes grouped into painting steps (layer, paint) with their pictures

Nothing here knows the guide; :mod:`assistant.work` paints a guide with it.
"""
