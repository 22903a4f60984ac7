"""Tests that need a fresh Python interpreter: a command line run as a process, or an import seen from a clean start.

They are left out of ``make unit`` (each costs an interpreter start-up, and
some a costly import) and run in ``make pytest``. Tests that run
ansible-playbook or ansible-inventory live in tests/playbooks instead.
"""
