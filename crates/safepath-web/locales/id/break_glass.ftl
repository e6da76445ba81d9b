# Akses darurat berdasarkan referensi kasus (/break-glass, administrator).
nav-break-glass = Akses darurat
break-glass-intro = Hanya untuk keadaan darurat: Anda akan membaca catatan yang biasanya tidak boleh Anda lihat. Alasan Anda disegel dalam jejak audit dan koordinator kasus segera diberi tahu.
break-glass-reference = Referensi kasus (misalnya SP-2026-ABCD-EFGH)
break-glass-admins-only = Hanya administrator yang boleh menggunakan akses darurat.
break-glass-error-reason_required = Tuliskan alasannya dalam sedikitnya 15 karakter (tanpa nama orang tersebut).
break-glass-error-reference_required = Tuliskan referensi kasus.
break-glass-error-reference_unknown = Tidak ada kasus dengan referensi ini. Periksa kembali dengan orang yang memberikannya.
