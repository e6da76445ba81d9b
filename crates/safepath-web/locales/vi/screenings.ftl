# Machine-assisted translation, not yet reviewed by a native speaker.
nav-screenings = Các lần sàng lọc của tôi
screenings-title = Các lần sàng lọc của tôi
screenings-title-org = Các lần sàng lọc của tổ chức tôi
screenings-intro = Các lần sàng lọc bạn đã thực hiện, mới nhất trước. Mở một lần để xem kết quả và bước tiếp theo.
screenings-intro-org = Mọi lần sàng lọc của tổ chức bạn, mới nhất trước. Mở một lần để xem kết quả và bước tiếp theo.
screenings-none = Chưa có lần sàng lọc nào.
screenings-new = Bắt đầu sàng lọc
screenings-adult = Người lớn
screenings-child = Trẻ em
screenings-referred = Đã chuyển thành ca
screenings-not-referred = Chưa chuyển
screenings-open-case = Đã chuyển: mở ca
screenings-by-colleague = do đồng nghiệp thực hiện
screenings-cut = Chỉ hiển thị { $count } lần sàng lọc gần nhất.
case-screening = Chuyển đến từ một lần sàng lọc
case-screening-open = Mở lần sàng lọc
