/**
 * The Python files evalflow ships with every SciCode step program, so the
 * reference program's import lines work unchanged:
 *
 * - `scicode/parse/parse.py` — `process_hdf5_to_tuple(step_id, test_num,
 *   h5py_file=None)` reads the step's targets from SciCode's `test_data.h5`
 *   (in the directory named by EVALFLOW_DATA_SCICODE, the sandbox's `scicode`
 *   data). Written for evalflow after the semantics of scicode-bench/SciCode
 *   `src/scicode/parse/parse.py`: `<step>/test<i>` is a group; one member →
 *   that value, several → a tuple of them in key order; a dataset yields its
 *   value (bytes decoded as UTF-8); a group yields, by its first key, a list
 *   (`list`: the members' raw values), a scipy sparse matrix (`sparse_matrix`:
 *   coo with row/col, bsr with blocksize, else csr) or a dict (sub-groups →
 *   sparse matrices, bytes → str, keys that parse as floats → float keys); a
 *   `test<i>` that is not a group is an error. A missing file or variable
 *   raises an error carrying MISSING_DATA_MARKER, so evalflow reports a
 *   configuration problem instead of a wrong answer.
 * - `scicode/compare/cmp.py` — `cmp_tuple_or_list`, `are_dicts_close`,
 *   `are_csc_matrix_close`, `process_symbol_in_dict`, after the semantics of
 *   SciCode `src/scicode/compare/cmp.py` (tests import it).
 */

/** Printed (in the exception) when test_data.h5 cannot be found. */
export const MISSING_DATA_MARKER = 'EVALFLOW_SCICODE_TEST_DATA_MISSING';

export const PARSE_PY = String.raw`"""SciCode test targets from test_data.h5 (evalflow's reader)."""
import os

import h5py
import scipy.sparse

MISSING_DATA_MARKER = "${MISSING_DATA_MARKER}"


class TestDataMissing(FileNotFoundError):
    pass


def _data_file():
    directory = os.environ.get("EVALFLOW_DATA_SCICODE")
    if not directory:
        raise TestDataMissing(MISSING_DATA_MARKER + ": EVALFLOW_DATA_SCICODE is not set (no SciCode test data configured)")
    path = os.path.join(directory, "test_data.h5")
    if not os.path.isfile(path):
        raise TestDataMissing(MISSING_DATA_MARKER + ": " + path + " does not exist")
    return path


def _scalar(dataset):
    value = dataset[()]
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="strict")
    return value


def _sparse(group):
    data = group["data"][()]
    shape = tuple(group["shape"][()])
    if "row" in group and "col" in group:
        return scipy.sparse.coo_matrix((data, (group["row"][()], group["col"][()])), shape=shape)
    if "blocksize" in group:
        return scipy.sparse.bsr_matrix(
            (data, group["indices"][()], group["indptr"][()]),
            shape=shape,
            blocksize=tuple(group["blocksize"][()]),
        )
    return scipy.sparse.csr_matrix((data, group["indices"][()], group["indptr"][()]), shape=shape)


def _as_list(group):
    return [group[name][()] for name in group.keys()]


def _as_dict(group):
    out = {}
    for name, member in group.items():
        if isinstance(member, h5py.Group):
            out[name] = _sparse(member["sparse_matrix"])
            continue
        value = member[()]
        if isinstance(value, bytes):
            out[name] = value.decode("utf-8", errors="strict")
            continue
        try:
            out[float(name)] = value
        except ValueError:
            out[name] = value
    return out


def _group_value(group):
    names = list(group.keys())
    if not names:
        return {}
    if names[0] == "list":
        return _as_list(group["list"])
    if names[0] == "sparse_matrix":
        return _sparse(group["sparse_matrix"])
    return _as_dict(group)


def _member_value(member):
    if isinstance(member, h5py.Dataset):
        return _scalar(member)
    return _group_value(member)


def process_hdf5_to_tuple(step_id, test_num, h5py_file=None):
    path = h5py_file if h5py_file is not None else _data_file()
    targets = []
    with h5py.File(path, "r") as f:
        for i in range(test_num):
            where = "%s/test%d" % (step_id, i + 1)
            if where not in f:
                raise TestDataMissing(MISSING_DATA_MARKER + ": " + where + " is not in " + path + " (an incomplete or different test_data.h5?)")
            node = f[where]
            if not isinstance(node, h5py.Group):
                raise FileNotFoundError("Path " + where + " not found in the file.")
            names = list(node.keys())
            if len(names) == 1:
                targets.append(_member_value(node[names[0]]))
            else:
                targets.append(tuple(_member_value(node[name]) for name in names))
    return targets
`;

export const CMP_PY = String.raw`"""Comparison helpers SciCode's tests import (evalflow's version)."""
import numpy as np
import scipy.sparse

_SPARSE = (scipy.sparse.csr_matrix, scipy.sparse.csc_matrix, scipy.sparse.bsr_matrix, scipy.sparse.coo_matrix)


def _symbol_type():
    try:
        import sympy
    except ImportError:
        return ()
    return (sympy.Symbol,)


def process_symbol_in_dict(d):
    symbol = _symbol_type()
    out = {}
    for key, value in d.items():
        out[key] = str(value) if symbol and isinstance(value, symbol) else value
        if symbol and isinstance(key, symbol):
            # the symbol key becomes its name, holding the original value
            out[str(key)] = d[key]
            out.pop(key)
    return out


def are_dicts_close(dict1, dict2, atol=1e-8, rtol=1e-5):
    dict1 = process_symbol_in_dict(dict1)
    dict2 = process_symbol_in_dict(dict2)
    if dict1.keys() != dict2.keys():
        return False
    symbol = _symbol_type()
    for key in dict1:
        a = dict1[key]
        b = dict2[key]
        if isinstance(a, str) or (symbol and isinstance(a, symbol)):
            if not a == b:
                return False
        elif isinstance(a, _SPARSE):
            if not np.allclose(a.toarray(), b.toarray(), atol=atol, rtol=rtol):
                return False
        else:
            try:
                if not np.allclose(a, b, atol=atol, rtol=rtol):
                    return False
            except ValueError:
                if not a == b:
                    return False
    return True


def are_csc_matrix_close(matrix1, matrix2):
    return np.allclose(matrix1.toarray(), matrix2.toarray())


def cmp_tuple_or_list(var1, var2):
    if len(var1) != len(var2):
        return False
    for a, b in zip(var1, var2):
        if isinstance(a, dict):
            if not are_dicts_close(a, b):
                return False
        elif isinstance(a, (scipy.sparse.csr_matrix, scipy.sparse.csc_matrix)):
            if not are_csc_matrix_close(a, b):
                return False
        elif isinstance(a, bool):
            if not a == b:
                return False
        else:
            try:
                if not np.allclose(a, b):
                    return False
            except ValueError as e:
                print(e)
                if not a == b:
                    return False
    return True
`;

/** Every support file, by path inside the job directory. */
export const SCICODE_SUPPORT_FILES: Readonly<Record<string, string>> = {
  'scicode/__init__.py': '',
  'scicode/parse/__init__.py': '',
  'scicode/parse/parse.py': PARSE_PY,
  'scicode/compare/__init__.py': '',
  'scicode/compare/cmp.py': CMP_PY,
};
