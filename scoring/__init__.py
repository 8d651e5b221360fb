"""Pure algorithms of selection, shared by any app that reviews and ranks
(selection today; the exchange's member panel next): assignment and its
mixing, the arithmetic of scores, the bias-corrected ranking model, agreement,
and the synthetic rounds that measure them.

The line drawn: nothing here imports a Django model, a queryset or an app of
the portal. Functions take plain ids and numbers and return plain values;
each app's services load the rows and store the results. (Django's
translation helpers are used for messages, nothing else.)"""

import os

# The model's vectors are small (tens of thousands of numbers): BLAS threads only
# contend for a server's cores with the web and worker processes. Must be set
# before NumPy loads its BLAS.
for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")
