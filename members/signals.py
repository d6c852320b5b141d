"""What member records tell other apps, without importing them."""

from django.dispatch import Signal

# Sent inside the transaction that changed what a 資格情報のお知らせ shows (name, カナ, 生年月日,
# 資格取得年月日) or the My Number behind its last four digits. Arguments: `changes`, a dict of
# member id -> reason ("change" or "mynumber_correction").
notice_fields_changed = Signal()
