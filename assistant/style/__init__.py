"""The style stage: feature network (``features``), Gatys optimisation (``transfer``), bundled styles (``assets``).

Importing this package does not import TensorFlow; the network and the optimisation
import it when they run.
"""
