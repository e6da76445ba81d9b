# Akses darurat berdasarkan referensi kasus (/break-glass, administrator).
nav-break-glass = Akses darurat
break-glass-intro = Hanya untuk keadaan darurat: Anda akan membaca catatan yang biasanya tidak boleh Anda lihat. Alasan Anda disegel dalam jejak audit dan koordinator kasus segera diberi tahu.
break-glass-reference = Referensi kasus (misalnya SP-2026-ABCD-EFGH)
break-glass-admins-only = Hanya administrator yang boleh menggunakan akses darurat.
