# Machine-assisted translation, not yet reviewed by a native speaker.
nav-break-glass = Truy cập khẩn cấp
break-glass-intro = Chỉ dùng khi khẩn cấp: bạn sẽ đọc một hồ sơ mà bình thường bạn không được xem. Lý do của bạn được niêm phong trong nhật ký kiểm tra và các điều phối viên của ca được thông báo ngay.
break-glass-reference = Số tham chiếu của ca (ví dụ SP-2026-ABCD-EFGH)
break-glass-admins-only = Chỉ quản trị viên mới được truy cập khẩn cấp.
