"""One router per part of the contract."""
