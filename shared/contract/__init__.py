"""The wire contract: response models both services exchange, framework-free."""

from shared.contract.base import (
    BatchItemResult,
    BatchResult,
    ContractModel,
    Page,
    Problem,
    ProblemFieldError,
    Record,
)

__all__ = ["BatchItemResult", "BatchResult", "ContractModel", "Page", "Problem", "ProblemFieldError", "Record"]
