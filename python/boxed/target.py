"""Naming the target: the dotted name the sandbox imports, and the files
the caller loaded its modules from, so that the sandbox imports the same.

The target travels by name, never as code: the sandbox imports it from the
caller's ``sys.path``, which it reads as another user. Nothing here imports
or runs a module the caller has not imported already.
"""

import ast
import functools
import importlib.machinery
import inspect
import os
import sys

__all__ = ["target_name", "describe", "offered_sys_path", "module_files", "check_script"]


def _walk(obj, qualname):
    for part in qualname.split("."):
        obj = getattr(obj, part)
    return obj


def _main_module_name(offered):
    """The name under which __main__'s file can be imported from the
    offered sys.path entries, or None."""
    main = sys.modules.get("__main__")
    path = getattr(main, "__file__", None)
    if not path:
        return None
    spec = getattr(main, "__spec__", None)
    if spec is not None and spec.name and spec.name != "__main__":
        return spec.name  # python -m pkg.mod
    path = os.path.realpath(path)
    stem, ext = os.path.splitext(path)
    if ext != ".py":
        return None
    for entry in offered:
        entry = os.path.realpath(entry)
        if not stem.startswith(entry.rstrip(os.sep) + os.sep):
            continue
        parts = stem[len(entry.rstrip(os.sep)) + 1:].split(os.sep)
        if all(p.isidentifier() for p in parts):
            return ".".join(parts)
    return None


def target_name(target, sys_path=None):
    """The dotted name ("module.qualname") under which the sandbox imports
    ``target``. A string is taken as such a name. Raises TypeError for what
    cannot be named so: a lambda, a nested function, a bound method of an
    instance, a partial, a function of a __main__ that the sandbox cannot
    import, or that the import would run again (check_script)."""
    return describe(target, sys_path)[0]


def describe(target, sys_path=None):
    """``(target_name(target), main)``, where ``main`` is the name under
    which the sandbox imports the caller's __main__, when the target is
    one of its functions, else None."""
    if isinstance(target, str):
        parts = target.split(".")
        if len(parts) < 2 or not all(p.isidentifier() for p in parts):
            raise TypeError("target %r is not a dotted name such as 'math.sqrt'" % (target,))
        return target, None
    if not callable(target):
        raise TypeError("target %r is not callable" % (target,))
    module = getattr(target, "__module__", None)
    qualname = getattr(target, "__qualname__", None)
    owner = getattr(target, "__self__", None)
    if module is None and isinstance(owner, type) and isinstance(qualname, str):
        module = owner.__module__  # a builtin classmethod: dict.fromkeys
    if not isinstance(module, str) or not isinstance(qualname, str):
        raise TypeError(
            "target %r has no module and qualified name, so the sandbox cannot "
            "import it: pass a module-level function" % (target,)
        )
    if "<lambda>" in qualname or "<locals>" in qualname:
        raise TypeError(
            "target %s.%s is a lambda or a nested function, which the sandbox "
            "cannot import: define it at module level" % (module, qualname)
        )
    if owner is not None and not inspect.ismodule(owner) and not isinstance(owner, type):
        raise TypeError(
            "target %s.%s is bound to an instance, which does not travel to the "
            "sandbox: pass a module-level function" % (module, qualname)
        )
    main = None
    if module == "__main__":
        name = main = _main_module_name(sys.path if sys_path is None else sys_path)
        if name is None:
            raise TypeError(
                "target %s is defined in __main__, which the sandbox cannot import "
                "(no file on the offered sys.path): move it into a module" % qualname
            )
        module = name
        source = sys.modules["__main__"]
        check_script(source.__file__, qualname)
    else:
        source = sys.modules.get(module)
    if source is not None:
        try:
            found = _walk(source, qualname)
        except AttributeError:
            found = None
        if found is not target and found != target:
            raise TypeError(
                "target %s.%s is not what that name imports (a decorator or a "
                "reassignment hides it): pass a module-level function" % (module, qualname)
            )
    return module + "." + qualname, main


def offered_sys_path():
    """The caller's sys.path, absolute and without repeats: what the
    sandbox appends to its own."""
    seen, out = set(), []
    for entry in sys.path:
        entry = os.path.abspath(entry or os.curdir)
        if entry not in seen:
            seen.add(entry)
            out.append(entry)
    return out


def _is_main_guard(test):
    # if __name__ == "__main__": (either way round)
    if not isinstance(test, ast.Compare) or len(test.ops) != 1 or \
            not isinstance(test.ops[0], ast.Eq):
        return False
    sides = [test.left, test.comparators[0]]
    names = [n for n in sides if isinstance(n, ast.Name) and n.id == "__name__"]
    consts = [n for n in sides if isinstance(n, ast.Constant) and n.value == "__main__"]
    return len(names) == 1 and len(consts) == 1


def _boxed_names(tree):
    """The names under which a script refers to boxed (import boxed as b,
    from boxed import run)."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update((a.asname or a.name).split(".")[0] for a in node.names
                         if a.name.split(".")[0] == "boxed")
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "boxed":
            names.update(a.asname or a.name for a in node.names)
    return names


def _calls_boxed(node, names):
    for sub in ast.walk(node):
        if isinstance(sub, ast.Call):
            func = sub.func
            while isinstance(func, ast.Attribute):
                func = func.value
            if isinstance(func, ast.Name) and func.id in names:
                return True
    return False


def _unguarded(body, names):
    """The first top-level statement that would run again when the script
    is imported as a module: anything but imports, definitions, plain
    assignments (unless they call boxed), docstrings and the main guard."""
    for node in body:
        if isinstance(node, (ast.Import, ast.ImportFrom, ast.FunctionDef,
                             ast.AsyncFunctionDef, ast.ClassDef, ast.Pass)):
            continue
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            continue
        if isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            if _calls_boxed(node, names):
                return node
            continue
        if isinstance(node, ast.If):
            if _is_main_guard(node.test):
                continue
            found = _unguarded(node.body, names) or _unguarded(node.orelse, names)
        elif isinstance(node, ast.Try):
            found = (_unguarded(node.body, names) or _unguarded(node.orelse, names)
                     or _unguarded(node.finalbody, names)
                     or next((n for h in node.handlers for n in [_unguarded(h.body, names)]
                              if n), None))
        else:
            return node
        if found is not None:
            return found
    return None


_checked_scripts = {}


def check_script(path, qualname):
    """Raise TypeError when the script ``path``, whose function
    ``qualname`` is the target, runs code at its top level: the sandbox
    imports the script to find the function, and would run that code again,
    inside the sandbox."""
    try:
        st = os.stat(path)
        key = (path, st.st_mtime_ns, st.st_size)
        if key not in _checked_scripts:
            with open(path, "rb") as f:
                tree = ast.parse(f.read(), path)
            node = _unguarded(tree.body, _boxed_names(tree))
            _checked_scripts[key] = node.lineno if node is not None else None
        line = _checked_scripts[key]
    except (OSError, SyntaxError, ValueError):
        return  # not readable as a script here: the sandbox will say why
    if line is not None:
        raise TypeError(
            "target %s is defined in the script %s, which runs code at its top level "
            "(line %d): the sandbox imports the script to find %s and would run that code "
            "again, inside the sandbox. Put the script's own code under "
            "`if __name__ == '__main__':`, or move %s into a module"
            % (qualname, path, line, qualname, qualname))


@functools.lru_cache(maxsize=None)
def _stdlib_dir():
    return os.path.dirname(os.path.realpath(os.__file__)) + os.sep


# A module's file, once imported, stays where it is: its real path is
# resolved once, not at every call (a pool call costs well under a ms).
@functools.lru_cache(maxsize=1024)
def _real(path):
    return os.path.realpath(path)


def _module_file(name, main_name, locations):
    """``(real path, submodule locations)`` of the caller's module
    ``name``, found without importing it: path None for a builtin, frozen
    or namespace module; ``(False, None)`` when ``name`` is no module.
    ``locations`` maps the parents seen so far to their search paths."""
    module = sys.modules["__main__"] if name == main_name else sys.modules.get(name)
    if module is not None:
        path = getattr(module, "__file__", None)
        return (_real(path) if isinstance(path, str) else None,
                getattr(module, "__path__", None))
    parent = name.rpartition(".")[0]
    search = locations.get(parent) if parent else None
    if parent and search is None:
        return False, None
    try:
        # PathFinder only looks: it runs nothing of the module.
        spec = importlib.machinery.PathFinder.find_spec(name, search)
    except (ImportError, ValueError):
        spec = None
    if spec is None:
        return False, None
    path = spec.origin if spec.has_location and isinstance(spec.origin, str) else None
    return (os.path.realpath(path) if path else None), spec.submodule_search_locations


def module_files(names, main_name=None):
    """``{module: real path}`` for every module the sandbox will import by
    name to reach the dotted ``names`` (the target, the ``imports=``),
    parents first, as the caller has them. The standard library is left
    out: the sandbox's interpreter is a copy of the system's, and finds it
    before any caller's entry."""
    stdlib = _stdlib_dir()
    out, locations = {}, {}
    for dotted in names:
        parts = dotted.split(".")
        for i in range(1, len(parts) + 1):
            name = ".".join(parts[:i])
            if name in locations:
                continue
            path, search = _module_file(name, main_name, locations)
            if path is False:
                break
            locations[name] = search
            if path is not None and not path.startswith(stdlib):
                out[name] = path
    return out
