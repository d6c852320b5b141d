"""Every model of the eligibility app, one module per kind of record.

Each feature package (certificates, applications, records, ...) imports what it needs from
here; this package imports none of them, so it stays at the bottom of the app.
"""

from eligibility.models.applications import ApplicationPerson, CertificateApplication
from eligibility.models.batches import CertificateBatch, CertificateBatchItem
from eligibility.models.records import (
    EligibilityCertificate,
    LegacyCard,
    MynaRegistration,
    SmartphonePreference,
)

__all__ = [
    "ApplicationPerson",
    "CertificateApplication",
    "CertificateBatch",
    "CertificateBatchItem",
    "EligibilityCertificate",
    "LegacyCard",
    "MynaRegistration",
    "SmartphonePreference",
]
