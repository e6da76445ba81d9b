# Daftar per peran: kotak masuk rujukan, notifikasi, daftar kasus.

## Waktu relatif terhadap hari ini
when-today = hari ini
when-today-at = hari ini, {$time}
when-yesterday = kemarin
when-days-ago = {$days} hari yang lalu

## Kelompok umur (yang boleh diketahui organisasi penerima sebelum menerima)
age-band-0_11 = umur 0 sampai 11 (anak)
age-band-12_17 = umur 12 sampai 17 (anak)
age-band-18_24 = umur 18 sampai 24
age-band-25_34 = umur 25 sampai 34
age-band-35_44 = umur 35 sampai 44
age-band-45_plus = umur 45 atau lebih
age-band-unknown = umur tidak diketahui

## Kotak masuk rujukan
referrals-unknown-org = organisasi yang sudah tidak terdaftar
referrals-sent-by = Dikirim oleh
referrals-sent-to = Dikirim ke
referrals-person = Orang
referrals-person-not-shared = Tidak dibagikan (rujukan ini tidak membawa data identitas)
referrals-sent = Dikirim
referrals-reason-given = Alasan yang diberikan
referrals-decline-reason = Alasan Anda menolak (dibaca oleh pengirim)
referrals-open-case = Buka kasus
referrals-none-inbox = Tidak ada rujukan yang menunggu organisasi Anda. Rujukan baru muncul di sini, dan Anda mendapat notifikasi.
referrals-none-outbox = Organisasi Anda belum mengirim rujukan. Kirim dari halaman "Persetujuan dan rujukan" sebuah kasus.
referrals-error-title = Rujukan tidak ditolak
referrals-error-reason = Sebutkan alasan Anda menolak: organisasi pengirim memerlukannya untuk mencari layanan lain.
referrals-done-accept = Rujukan diterima: kasus kini terbuka untuk Anda dengan data yang dibagikan, dan pengirim sudah diberi tahu.
referrals-done-decline = Rujukan ditolak dan pengirim sudah diberi tahu alasannya.
referrals-done-complete = Rujukan ditandai selesai.
referrals-done-revoke = Rujukan ditarik kembali.
audit-action-referral-preview = melihat jenis kelamin dan kelompok umur orang dalam sebuah rujukan, untuk menilainya

## Notifikasi: apa yang terjadi, dalam kata-kata
notifications-new-title = Baru
notifications-read-title = Sudah dibaca
notifications-none-unread = Tidak ada yang baru. Anda diberi tahu di sini bila rujukan datang atau dijawab, tugas atau kasus diberikan kepada Anda, persetujuan atau keputusan dicatat, atau tenggat waktu sudah dekat.
notifications-mark-all-read = Tandai semua sudah dibaca
notifications-mark-one = Tandai sudah dibaca
notifications-marked-one = Notifikasi ditandai sudah dibaca; disimpan di bawah "Sudah dibaca".
notice-other = Ada perubahan di SafePath yang menyangkut Anda.
notice-referral = { $source ->
    [screening] Sebuah penyaringan merujuk seseorang ke organisasi Anda: kasus { $reference } menunggu manajer kasus.
   *[other] Rujukan baru untuk { $service } dari { $org } ({ $urgency }): nilai di kotak masuk rujukan Anda.
}
notice-referral-plain = Rujukan baru menunggu di kotak masuk rujukan organisasi Anda.
notice-referral-answered = { $side ->
    [sender] Rujukan kasus { $reference } Anda ke { $org } untuk { $service } kini: { $state }.
   *[receiver] Rujukan dari { $org } untuk { $service } kini: { $state }.
}
notice-referral-answered-plain = Sebuah rujukan sudah dijawab.
notice-consent-withdrawn-plain = Orang tersebut menarik persetujuannya: rujukan ke organisasi Anda berakhir, dan datanya tidak lagi tersedia.
notice-approval-requested = Persetujuan Anda diminta pada kasus { $reference }: { $subject }.
notice-approval-requested-plain = Persetujuan Anda diminta pada sebuah kasus.
notice-approval-decided = Permintaan persetujuan { $subject } Anda pada kasus { $reference }: { $state }.
notice-approval-decided-plain = Persetujuan yang Anda minta sudah diputuskan.
notice-task-assigned = Sebuah tugas pada kasus { $reference } menjadi milik Anda, tenggat { $due }.
notice-task-assigned-plain = Sebuah tugas pada kasus menjadi milik Anda.
notice-task-due = Sebuah tugas pada kasus { $reference } jatuh tempo pada { $due }.
notice-task-due-plain = Sebuah tugas Anda jatuh tempo.
notice-case-assigned = Kasus { $reference } diberikan kepada Anda untuk ditangani.
notice-case-assigned-plain = Sebuah kasus diberikan kepada Anda untuk ditangani.
notice-case-changed = Orang lain mengubah kasus { $reference } yang Anda tangani.
notice-case-changed-plain = Orang lain mengubah kasus yang Anda tangani.
notice-document-added = { $org } menambahkan dokumen ke kasus { $reference } yang Anda tangani.
notice-document-added-plain = Organisasi lain menambahkan dokumen ke kasus yang Anda tangani.
notice-recovery-codes-reset-plain = Kode pemulihan masuk dua langkah Anda diganti setelah perubahan kunci keamanan. Buat kode baru di pengaturan; aplikasi autentikator Anda tetap dapat dipakai untuk masuk.
notice-decision = { $stage } dicatat pada kasus { $reference }.
notice-decision-plain = Sebuah keputusan identifikasi dicatat pada kasus yang Anda tangani.
notice-break-glass = { $user } (administrator) membuka kasus { $reference } dalam keadaan darurat (break the glass). Alasannya ada di jejak audit kasus.
notice-break-glass-plain = Seorang administrator membuka kasus organisasi Anda dalam keadaan darurat (break the glass). Alasannya ada di jejak audit kasus.
notice-tracing-match = Sebuah permintaan penelusuran keluarga mungkin menyangkut orang dalam kasus { $reference }. Tinjau dan tanyakan kepada orang tersebut.
notice-tracing-match-plain = Sebuah permintaan penelusuran keluarga mungkin menyangkut orang yang Anda dampingi.
notice-tracing-found = Permintaan penelusuran { $reference }: orangnya ditemukan dan setuju untuk dihubungi. Buka permintaan untuk cara menghubungi.
notice-tracing-found-plain = Orang yang Anda cari sudah ditemukan dan setuju untuk dihubungi.
notice-permit-expiry = { $expired ->
    [yes] Izin pada kasus { $reference } berakhir pada { $day }, dan orang tersebut masih dalam perlindungan.
   *[no] Izin pada kasus { $reference } berakhir pada { $day }.
}
notice-permit-expiry-plain = Izin pada kasus yang Anda tangani segera berakhir.
notice-hearing-upcoming = Orang dalam kasus { $reference } memiliki { $event } pada { $day }: siapkan pendampingan, juru bahasa, dan perjalanan.
notice-hearing-upcoming-plain = Orang dalam kasus yang Anda tangani segera menghadiri sidang.
notice-open-inbox = Buka kotak masuk rujukan
notice-open-referrals = Buka rujukan kasus
notice-open-approvals = Buka persetujuan
notice-open-tasks = Buka rencana layanan
notice-open-decisions = Buka keputusan
notice-open-audit = Buka jejak audit
notice-open-tracing-request = Buka permintaan penelusuran
notice-open-tracing = Buka penelusuran
notice-open-justice = Buka hak dan keadilan
notice-open-case = Buka kasus
notice-open-documents = Buka dokumen
notice-open-two-factor = Buka masuk dua langkah

## Daftar kasus
cases-filter-manager = Manajer kasus
cases-filter-overdue = Hanya kasus dengan keputusan atau tugas yang lewat tenggat
cases-next-deadline = Tenggat berikutnya
cases-no-deadline = tidak ada yang terbuka
cases-overdue = Terlambat
cases-search-title = Hasil pencarian
cases-search-count = Kasus yang ditemukan
cases-back-to-list = Kembali ke semua kasus
cases-none-search = Tidak ada kasus yang cocok. Periksa ejaan, coba satu kata dari nama atau nomor referensi (SP-…), atau cari catatan yang sudah ada sebelum membuka kasus baru.
cases-none-filtered = Tidak ada kasus yang cocok dengan filter ini. Longgarkan filter, atau hapus semua filter untuk melihat setiap kasus yang boleh Anda lihat.
cases-none-yet = Anda belum dapat melihat kasus. Kasus muncul di sini bila Anda membukanya, bila kasus diberikan kepada Anda, atau bila organisasi Anda menerima rujukan.
cases-search-gone-title = Pencarian ini sudah tidak disimpan
cases-search-gone = Pencarian disimpan selama 30 menit dan hanya untuk sesi yang membuatnya (nama tidak pernah masuk ke alamat web). Cari lagi dari daftar kasus.
notice-handover-alert = { $alert ->
    [security_alert] Peringatan keamanan dikirim pada serah terima lintas batas: bacalah dan putuskan langkahnya bersama pihak lain.
   *[other] Laporan tindak lanjut setelah pemulangan menyebut orang itu mungkin berisiko diperdagangkan lagi: bertindaklah bersama pihak lain sekarang.
}
notice-handover-alert-plain = Sebuah peringatan dikirim pada serah terima lintas batas.
notice-open-handover = Buka serah terima
notice-returned-person-again-plain = Kasus ini mungkin tentang orang yang sudah pulang melalui serah terima lintas batas dan muncul lagi dalam catatan (kasus baru dari skrining, atau pemeriksaan duplikat): ia mungkin diperdagangkan lagi. Bandingkan catatannya. Jika serah terima masih terbuka, organisasi penerima sudah diberi tahu melaluinya.
