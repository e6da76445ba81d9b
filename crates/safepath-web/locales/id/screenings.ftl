# Penyaringan yang dilakukan petugas sendiri (/screenings).
nav-screenings = Penyaringan saya
screenings-title = Penyaringan saya
screenings-title-org = Penyaringan organisasi saya
screenings-intro = Penyaringan yang Anda lakukan, dari yang terbaru. Buka salah satu untuk melihat hasil dan langkah berikutnya.
screenings-intro-org = Semua penyaringan organisasi Anda, dari yang terbaru. Buka salah satu untuk melihat hasil dan langkah berikutnya.
screenings-none = Belum ada penyaringan.
screenings-new = Mulai penyaringan
screenings-adult = Dewasa
screenings-child = Anak
screenings-referred = Dirujuk ke dalam kasus
screenings-not-referred = Tidak dirujuk
screenings-open-case = Dirujuk: buka kasusnya
screenings-by-colleague = oleh rekan kerja
screenings-cut = Hanya { $count } penyaringan terbaru yang ditampilkan.
case-screening = Dirujuk dari penapisan
case-screening-open = Buka penapisan
