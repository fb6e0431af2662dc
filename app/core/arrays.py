"""The numpy array types the core's vectorised code passes around."""

from typing import Any

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]
IndexArray = NDArray[np.int32]
# Arrays stored and mapped by name (an index's parts shared between processes).
NamedArrays = dict[str, NDArray[Any]]
# Shapely geometries, one per element.
GeometryArray = NDArray[np.object_]
