"""Colour: spaces and names, the k-means palette, the paints a painter owns and
Kubelka–Munk mixing recipes from them. Nothing here imports TensorFlow."""
